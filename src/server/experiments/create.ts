import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/core/errors";
import { defaultHashAttribute, defaultSafetyRollout, initialExposure, withCreationDefaults } from "./defaults";
import { checkMetricNames } from "./metric-names";
import { normalizeDefinition } from "./normalize";
import type { CreateExperimentSchema } from "./schemas";
import { toExperiment, type Experiment } from "./types";
import type { z } from "zod";

export function newSalt(): string {
  return randomBytes(6).toString("hex");
}

/** `at`: when it was created, default now (the demo seed replays past days with their own clock). */
export async function createExperiment({ actor, input, at }: { actor: Principal; input: z.output<typeof CreateExperimentSchema>; at?: Date }): Promise<Experiment> {
  const def = normalizeDefinition(input);
  await checkMetricNames(input.metrics);
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ key: experiments.key }).from(experiments).where(eq(experiments.key, input.key)).limit(1);
    if (existing) throw new AppError("conflict", `An experiment with key '${input.key}' already exists`, { key: input.key });
    const [row] = await tx
      .insert(experiments)
      .values({
        key: input.key,
        name: input.name,
        hypothesis: input.hypothesis,
        strategy: def.strategy,
        variants: def.variants,
        control: def.control,
        treatment: def.treatment,
        targeting: input.targeting,
        forced: def.forced,
        hashAttribute: input.hashAttribute ?? defaultHashAttribute(def.strategy),
        layer: input.layer,
        rollout: withCreationDefaults(def.strategy, input.targeting, def.rollout),
        state: {
          stageIndex: 0,
          exposure: initialExposure(def.strategy, def.rollout),
          live: def.strategy === "blue_green" ? (def.rollout.initialLive ?? def.control) : null,
          enabled: true,
          shipped: null,
          stageStartedAt: null,
        },
        metrics: { ...input.metrics, safetyRollout: input.metrics.safetyRollout ?? defaultSafetyRollout(def.strategy) },
        segments: input.segments,
        automation: input.automation,
        rollbackPlan: { target: input.rollbackPlan.target ?? def.control, ...input.rollbackPlan },
        salt: newSalt(),
        createdBy: actor.name,
        ...(at ? { createdAt: at, updatedAt: at } : {}),
      })
      .returning();
    const created = toExperiment(row);
    await recordAudit(tx, actor, { action: "experiment.created", entityType: "experiment", entityKey: created.key, after: created, at });
    return created;
  });
}
