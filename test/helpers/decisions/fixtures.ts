// Test-only: experiments as the experiments API stores them, for decide() and parameter tests.
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { normalizeDefinition } from "@/server/experiments/normalize";
import { initialExposure } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";

export function experimentFixture(input: Record<string, unknown>): Experiment {
  const parsed = CreateExperimentSchema.parse({ key: "fixture", name: "Fixture", ...input });
  const def = normalizeDefinition(parsed);
  const now = "2026-01-01T00:00:00.000Z";
  return {
    key: parsed.key,
    name: parsed.name,
    hypothesis: parsed.hypothesis,
    strategy: def.strategy,
    status: "running",
    variants: def.variants,
    control: def.control,
    treatment: def.treatment,
    targeting: parsed.targeting,
    forced: def.forced,
    hashAttribute: parsed.hashAttribute ?? "userId",
    layer: parsed.layer,
    rollout: def.rollout,
    state: { stageIndex: 0, exposure: initialExposure(def.strategy, def.rollout), live: def.strategy === "blue_green" ? def.control : null, enabled: true, shipped: null, stageStartedAt: now },
    metrics: parsed.metrics,
    segments: parsed.segments,
    automation: parsed.automation,
    rollbackPlan: { target: def.control, ...parsed.rollbackPlan },
    salt: "fixture",
    version: 1,
    createdBy: "test",
    createdAt: now,
    updatedAt: now,
    startedAt: now,
    endedAt: null,
  };
}

export function defaultCanaryExperiment(): Experiment {
  return experimentFixture({ strategy: "canary" });
}
