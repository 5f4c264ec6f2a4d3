// Sample-ratio-mismatch check: which exposed units to count and what split to expect, per strategy.
import { srmTest } from "@analysis";
import { toggleHoldback } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";

/** Minimum exposed units per tested arm before a mismatch may be flagged (issue 5). */
export const SRM_MIN_PER_ARM = 100;

export interface SrmPlan {
  applicable: boolean;
  reason: string;
  /** units first exposed at or after this instant (ms) are counted; 0 = all */
  cohortFrom: number;
  /** expected share per tested variant */
  expected: Record<string, number>;
}

/**
 * ab: every variant at its configured weight (coverage scales all ranges alike), all exposures.
 * canary / rolling / toggle: the arms are control and treatment; a unit's arm depends on the stage
 * at its first exposure, and units moved across arms by a stage change are excluded as multiple
 * exposures, so only units first exposed during the current stage have a known expected split:
 * canary ≤ 50 % is 1:1 by design (same-size baseline), above 50 % (100 − s) : s; rolling and
 * toggle (100 − s) : s. At 0 % or 100 % one arm gets no new units: nothing to test.
 * blue_green: live vs verification traffic is chosen by targeting, not by a split: no expected ratio.
 */
export function planSrm(e: Pick<Experiment, "strategy" | "variants" | "control" | "treatment" | "state"> & { rollout?: Pick<Experiment["rollout"], "holdback" | "groups"> }): SrmPlan {
  if (e.strategy === "ab") {
    const total = e.variants.reduce((a, v) => a + v.weight, 0);
    const positive = e.variants.filter((v) => v.weight > 0);
    return {
      applicable: positive.length >= 2,
      reason: "all exposures against the configured variant weights",
      cohortFrom: 0,
      expected: Object.fromEntries(positive.map((v) => [v.key, v.weight / total])),
    };
  }
  if (e.strategy === "blue_green") {
    return { applicable: false, reason: "blue/green routes by environment and targeting, not by a random split: no expected ratio", cohortFrom: 0, expected: {} };
  }
  const s = e.state.exposure / 100;
  const cohortFrom = e.state.stageStartedAt ? Date.parse(e.state.stageStartedAt) : 0;
  if (e.strategy === "toggle") return planToggleSrm(e, cohortFrom);
  if (s <= 0 || s >= 1) {
    return { applicable: false, reason: `at ${e.state.exposure}% one arm receives no new units`, cohortFrom, expected: {} };
  }
  const treatmentShare = e.strategy === "canary" && s <= 0.5 ? 0.5 : s;
  return {
    applicable: true,
    reason:
      e.strategy === "canary" && s <= 0.5
        ? "units first exposed in the current stage; canary arms are 1:1 by design (same-size baseline)"
        : `units first exposed in the current stage against ${Math.round((1 - s) * 1000) / 10}% control : ${Math.round(s * 1000) / 10}% treatment`,
    cohortFrom,
    expected: { [e.control]: 1 - treatmentShare, [e.treatment]: treatmentShare },
  };
}

export interface SrmCheck {
  applicable: boolean;
  reason: string;
  cohortFrom: string | null;
  threshold: number;
  expected: Record<string, number>;
  observed: Record<string, number>;
  chiSquare: number | null;
  pValue: number | null;
  /** true: mismatch; false: no mismatch; null: not applicable or fewer than 100 units in an arm */
  mismatch: boolean | null;
}

export function checkSrm(plan: SrmPlan, cohort: Record<string, number>, threshold: number): SrmCheck {
  const keys = Object.keys(plan.expected);
  const observed = Object.fromEntries(keys.map((k) => [k, cohort[k] ?? 0]));
  const base = {
    applicable: plan.applicable,
    reason: plan.reason,
    cohortFrom: plan.cohortFrom > 0 ? new Date(plan.cohortFrom).toISOString() : null,
    threshold,
    expected: plan.expected,
    observed,
  };
  if (!plan.applicable) return { ...base, chiSquare: null, pValue: null, mismatch: null };
  const r = srmTest(
    keys.map((k) => observed[k]),
    keys.map((k) => plan.expected[k]),
  );
  const enough = keys.every((k) => observed[k] >= SRM_MIN_PER_ARM);
  return { ...base, chiSquare: r.chiSquare, pValue: r.pValue, mismatch: enough ? r.pValue < threshold : null };
}

/**
 * Toggle with a holdback h: every eligible unit is held back with probability h and on with
 * p·(1 − h) (p = the largest released percentage it matches), the rest unexposed. The split of
 * exposed units is therefore fixed only when every released group has the same percentage.
 */
function planToggleSrm(e: Parameters<typeof planSrm>[0], cohortFrom: number): SrmPlan {
  const h = toggleHoldback({ strategy: "toggle", rollout: e.rollout ?? {} }) / 100;
  const groups = e.rollout?.groups?.length ? e.rollout.groups.slice(0, e.state.stageIndex + 1).map((g) => g.percentage / 100) : [e.state.exposure / 100];
  if (h <= 0) return { applicable: false, reason: "holdback 0 %: no unit keeps the old behaviour, nothing to split", cohortFrom, expected: {} };
  if (groups.some((p) => p !== groups[0])) return { applicable: false, reason: "the released groups have different percentages: no single expected split", cohortFrom, expected: {} };
  const on = groups[0] * (1 - h);
  const off = h / (h + on);
  return {
    applicable: true,
    reason: `units first exposed in the current stage against ${Math.round(off * 1000) / 10}% holdback : ${Math.round((1 - off) * 1000) / 10}% on (holdback ${Math.round(h * 1000) / 10} %)`,
    cohortFrom,
    expected: { [e.control]: off, [e.treatment]: 1 - off },
  };
}
