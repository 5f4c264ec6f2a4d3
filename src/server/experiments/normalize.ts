// Turns a validated create/update input into a complete, consistent experiment definition:
// strategy defaults filled in, and cross-field rules checked (every problem listed at once).
import { AppError } from "@/core/errors";
import { DEFAULT_BATCH_SIZE, DEFAULT_CANARY_STAGES, defaultVariants } from "./defaults";
import type { Strategy } from "@/sdk/types";
import type { Rollout } from "./schemas";

interface Definition {
  strategy: Strategy;
  variants: { key: string; weight: number; description?: string }[];
  control: string;
  treatment: string;
  rollout: Rollout & { stages: number[] };
  forced: Record<string, string>;
}

export function normalizeDefinition(input: {
  strategy: Strategy;
  variants?: { key: string; weight: number; description?: string }[];
  control?: string;
  treatment?: string;
  rollout: Rollout;
  forced: Record<string, string>;
}): Definition {
  const problems: { path: string; message: string }[] = [];
  const variants = input.variants ?? defaultVariants(input.strategy);
  const keys = variants.map((v) => v.key);
  if (new Set(keys).size !== keys.length) problems.push({ path: "variants", message: "variant keys must be unique" });
  const total = variants.reduce((s, v) => s + v.weight, 0);
  if (Math.abs(total - 1) > 1e-6) problems.push({ path: "variants", message: `variant weights must sum to 1 (they sum to ${round(total)})` });
  if (input.strategy !== "ab" && variants.length !== 2) {
    problems.push({ path: "variants", message: `a ${input.strategy} experiment has exactly two variants (old and new)` });
  }
  const control = input.control ?? variants[0].key;
  const treatment = input.treatment ?? variants.find((v) => v.key !== control)?.key ?? variants[1].key;
  if (!keys.includes(control)) problems.push({ path: "control", message: `control '${control}' is not one of the variants` });
  if (!keys.includes(treatment)) problems.push({ path: "treatment", message: `treatment '${treatment}' is not one of the variants` });
  if (control === treatment) problems.push({ path: "treatment", message: "treatment must differ from control" });
  for (const [unit, variant] of Object.entries(input.forced)) {
    if (!keys.includes(variant)) problems.push({ path: `forced.${unit}`, message: `'${variant}' is not one of the variants` });
  }
  const rollout = { ...input.rollout, stages: stagesFor(input.strategy, input.rollout) };
  const stages = rollout.stages;
  if ((input.strategy === "canary" || input.strategy === "rolling") && stages.some((s, i) => i > 0 && s <= stages[i - 1])) problems.push({ path: "rollout.stages", message: "stages must increase" });
  if (input.strategy === "canary" && stages[stages.length - 1] !== 100) problems.push({ path: "rollout.stages", message: "the last canary stage must be 100" });
  if (input.strategy === "blue_green" && rollout.initialLive && !keys.includes(rollout.initialLive)) {
    problems.push({ path: "rollout.initialLive", message: `'${rollout.initialLive}' is not one of the environments` });
  }
  const only = (field: "holdback" | "verificationShare" | "bakeMinutes", strategy: Strategy) => {
    if (rollout[field] !== undefined && input.strategy !== strategy) problems.push({ path: `rollout.${field}`, message: `only a ${strategy} experiment has a ${field}` });
  };
  only("holdback", "toggle");
  only("verificationShare", "blue_green");
  only("bakeMinutes", "blue_green");
  if (problems.length) throw new AppError("validation_failed", `Invalid experiment: ${[...new Set(problems.map((p) => p.path))].join(", ")}`, problems);
  return { strategy: input.strategy, variants, control, treatment, rollout, forced: input.forced };
}

function stagesFor(strategy: Strategy, rollout: Rollout): number[] {
  switch (strategy) {
    case "canary":
      return rollout.stages ?? DEFAULT_CANARY_STAGES;
    case "rolling": {
      if (rollout.stages) return rollout.stages;
      const batch = rollout.batchSize ?? DEFAULT_BATCH_SIZE;
      const out: number[] = [];
      for (let p = batch; p < 100; p += batch) out.push(round(p));
      return [...out, 100];
    }
    case "toggle":
      return rollout.groups?.map((g) => g.percentage) ?? rollout.stages ?? [100];
    case "ab":
      return [rollout.coverage ?? 100];
    case "blue_green":
      return [100];
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
