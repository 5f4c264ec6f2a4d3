// Resolves an experiment's configuration into the complete parameter set decide() applies. Defaults
// are filled in here (not inside decide) and stored with each decision, so a decision can be replayed
// exactly even after the defaults change.
import { DEFAULT_SEQUENTIAL_TUNING } from "@analysis";
import type { Experiment } from "@/server/experiments/types";
import type { DecisionParameters, ResolvedGuardrail } from "./types";

interface GuardrailDefault {
  tolerance: number;
  promotionMargin: number;
  toleranceType: "relative" | "absolute";
}

/** Issue 6 defaults: error rate may not rise (promotion rules out +20 %), load time ±5 %, feedback −0.1 / −0.2 points. */
export const GUARDRAIL_DEFAULTS: Record<string, GuardrailDefault> = {
  error_rate: { tolerance: 0, promotionMargin: 0.2, toleranceType: "relative" },
  page_load_time: { tolerance: 0.05, promotionMargin: 0.05, toleranceType: "relative" },
  page_load_p50: { tolerance: 0.05, promotionMargin: 0.05, toleranceType: "relative" },
  page_load_p95: { tolerance: 0.05, promotionMargin: 0.05, toleranceType: "relative" },
  page_load_p99: { tolerance: 0.05, promotionMargin: 0.05, toleranceType: "relative" },
  feedback_score: { tolerance: 0.1, promotionMargin: 0.2, toleranceType: "absolute" },
};
/** Any other guardrail (engagement, custom metrics): may not get worse; promotion rules out −5 %. */
export const OTHER_GUARDRAIL_DEFAULT: GuardrailDefault = { tolerance: 0, promotionMargin: 0.05, toleranceType: "relative" };

/** Below this many units in an arm no comparative test runs: the tests are asymptotic (CLT-based). */
export const MIN_UNITS_FOR_TESTS = 30;

type GuardrailConfig = Experiment["metrics"]["guardrails"][number];

export function resolveGuardrail(g: GuardrailConfig): ResolvedGuardrail {
  const base = GUARDRAIL_DEFAULTS[g.metric] ?? OTHER_GUARDRAIL_DEFAULT;
  const toleranceType = g.absolute === undefined ? base.toleranceType : g.absolute ? "absolute" : "relative";
  // The default numbers are only meaningful in their own unit: switching unit without numbers means 0.
  const sameUnit = toleranceType === base.toleranceType;
  return {
    metric: g.metric,
    tolerance: g.tolerance ?? (sameUnit ? base.tolerance : 0),
    promotionMargin: g.promotionMargin ?? (sameUnit ? base.promotionMargin : 0),
    toleranceType,
    limit: g.limit ?? null,
  };
}

/** Expected share of analysed units per variant, where the assignment makes it knowable. */
export function expectedShares(e: Pick<Experiment, "strategy" | "variants" | "control" | "treatment" | "state">): Record<string, number> | null {
  const s = e.state.exposure / 100;
  switch (e.strategy) {
    case "ab": {
      const total = e.variants.reduce((sum, v) => sum + v.weight, 0);
      return Object.fromEntries(e.variants.map((v) => [v.key, v.weight / total]));
    }
    case "canary":
      // Up to 50 % the baseline slice has the treatment slice's size. Past 50 % units move from the
      // baseline into the treatment (multiple exposures, excluded), so the cumulative ratio depends
      // on the history of stages: no fixed expectation.
      return s > 0 && s <= 0.5 ? { [e.control]: 0.5, [e.treatment]: 0.5 } : null;
    case "toggle":
      return s > 0 && s < 1 ? { [e.control]: 1 - s, [e.treatment]: s } : null;
    default:
      // rolling: a handful of instances moved by batches; blue_green: verification traffic is chosen
      // by targeting, not at random. Neither has a sample ratio to check.
      return null;
  }
}

export function resolveParameters(e: Experiment): DecisionParameters {
  const m = e.metrics;
  return {
    strategy: e.strategy,
    alpha: m.alpha ?? 0.05,
    srmThreshold: m.srmThreshold ?? 0.001,
    minExposuresPerArm: e.rollout.minExposuresPerArm ?? 100,
    minDurationMinutes: e.rollout.minDurationMinutes ?? 60,
    safetyRollout: m.safetyRollout ?? false,
    primary: e.strategy === "ab" && !m.safetyRollout ? (m.primary ?? "engagement_rate") : null,
    guardrails: (m.guardrails ?? []).map(resolveGuardrail),
    expectedShares: expectedShares(e),
    sequentialTuning: DEFAULT_SEQUENTIAL_TUNING,
    minUnitsForTests: MIN_UNITS_FOR_TESTS,
    rolling: { minInstancesPerArm: 2, minRequestsPerArm: e.rollout.minExposuresPerArm ?? 100 },
  };
}
