// Resolves an experiment's configuration into the complete parameter set decide() applies. Defaults
// are filled in here (not inside decide) and stored with each decision, so a decision can be replayed
// exactly even after the defaults change.
import { DEFAULT_SEQUENTIAL_TUNING } from "@analysis";
import { bakeMinutes, defaultSafetyRollout, toggleHoldback, verificationShare } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";
import { metricDefinition, planSrm, SRM_MIN_PER_ARM, type GuardrailDefault } from "@/server/evidence";
import type { DecisionParameters, ResolvedGuardrail } from "./types";

// A metric's own guardrail defaults are in the metric registry (evidence/metrics.ts: issue 6's error
// rate, load times and feedback score).
/** Any other guardrail (engagement, custom metrics): may not get worse; promotion rules out −5 %. */
export const OTHER_GUARDRAIL_DEFAULT: GuardrailDefault = { tolerance: 0, promotionMargin: 0.05, toleranceType: "relative" };

/** Below this many units in an arm no comparative test runs: the tests are asymptotic (CLT-based). */
export const MIN_UNITS_FOR_TESTS = 30;

type GuardrailConfig = Experiment["metrics"]["guardrails"][number];

export function resolveGuardrail(g: GuardrailConfig): ResolvedGuardrail {
  const base = metricDefinition(g.metric)?.guardrail ?? OTHER_GUARDRAIL_DEFAULT;
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

/** The SRM plan of the results pipeline (same cohort and expected split as the results page). */
export function srmParameters(e: Parameters<typeof planSrm>[0]): DecisionParameters["srm"] {
  const plan = planSrm(e);
  if (!plan.applicable) return null;
  return { expectedShares: plan.expected, cohort: plan.cohortFrom > 0 ? "stage" : "all", minPerArm: SRM_MIN_PER_ARM };
}

export function resolveParameters(e: Experiment): DecisionParameters {
  const m = e.metrics;
  return {
    strategy: e.strategy,
    alpha: m.alpha ?? 0.05,
    srmThreshold: m.srmThreshold ?? 0.001,
    minExposuresPerArm: e.rollout.minExposuresPerArm ?? 100,
    minDurationMinutes: e.rollout.minDurationMinutes ?? 60,
    safetyRollout: m.safetyRollout ?? defaultSafetyRollout(e.strategy),
    primary: e.strategy === "ab" && !m.safetyRollout ? (m.primary ?? "engagement_rate") : null,
    guardrails: (m.guardrails ?? []).map(resolveGuardrail),
    srm: srmParameters(e),
    sequentialTuning: DEFAULT_SEQUENTIAL_TUNING,
    minUnitsForTests: MIN_UNITS_FOR_TESTS,
    rolling: { minInstancesPerArm: 2, minRequestsPerArm: e.rollout.minExposuresPerArm ?? 100 },
    explainUnfillable: true,
    ...(e.segments?.length ? { segments: [...e.segments] } : {}),
    ...(e.strategy === "toggle" ? { holdback: toggleHoldback(e) / 100 } : {}),
    ...(e.strategy === "blue_green" ? { blueGreen: { verificationShare: verificationShare(e) / 100, targeted: e.targeting !== null, bakeMinutes: bakeMinutes(e) } } : {}),
  };
}
