import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/core/errors";
import { changeExperiment } from "./change";
import { newSalt } from "./create";
import { defaultSafetyRollout } from "./defaults";
import { checkMetricNames } from "./metric-names";
import { normalizeDefinition } from "./normalize";
import type { UpdateExperimentInput } from "./schemas";
import type { Experiment } from "./types";

const ENDED = ["promoted", "rolled_back", "completed"];

export async function updateExperiment({ actor, key, input }: { actor: Principal; key: string; input: UpdateExperimentInput }): Promise<Experiment> {
  await checkMetricNames(input.metrics);
  return changeExperiment({
    actor,
    key,
    action: input.rerandomize ? "experiment.rerandomized" : "experiment.updated",
    reason: input.rerandomize ? "variant weights changed with re-randomisation (new salt)" : null,
    mutate: (current) => {
      if (ENDED.includes(current.status)) {
        throw new AppError("invalid_transition", `Experiment '${key}' is ${current.status} and can no longer be edited`, { status: current.status });
      }
      const live = current.status === "running" || current.status === "paused";
      const weightsChanged = input.variants !== undefined && JSON.stringify(input.variants.map((v) => [v.key, v.weight])) !== JSON.stringify(current.variants.map((v) => [v.key, v.weight]));
      if (live && weightsChanged && !input.rerandomize) {
        throw new AppError(
          "conflict",
          `Changing variant weights of a ${current.status} experiment would move users between variants; send "rerandomize": true to re-randomise everyone with a new salt`,
          { status: current.status, field: "variants" },
        );
      }
      const def = normalizeDefinition({
        strategy: current.strategy,
        variants: input.variants ?? current.variants,
        control: current.control,
        treatment: current.treatment,
        rollout: input.rollout ?? current.rollout,
        forced: input.forced ?? current.forced,
      });
      return {
        name: input.name,
        hypothesis: input.hypothesis,
        variants: def.variants,
        rollout: def.rollout,
        forced: def.forced,
        targeting: input.targeting === undefined ? undefined : input.targeting,
        layer: input.layer === undefined ? undefined : input.layer,
        metrics: input.metrics && { ...input.metrics, safetyRollout: input.metrics.safetyRollout ?? current.metrics.safetyRollout ?? defaultSafetyRollout(current.strategy) },
        segments: input.segments,
        automation: input.automation,
        rollbackPlan: input.rollbackPlan,
        salt: input.rerandomize ? newSalt() : undefined,
      };
    },
  });
}
