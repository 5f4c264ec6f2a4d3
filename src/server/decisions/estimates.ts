// Statistics decide() needs on top of analysis/: each arm's estimate with the variance of that
// estimate, and "harm contrasts" against a tolerance. For a relative tolerance t the null
// "candidate is worse by at most t" is linear in the two means:
//   lower is better:  c = (mT − mC) − t·mC ≤ 0        higher is better: c = (mC − mT) − t·mC ≤ 0
// so c has variance VT + (1 + s·t)²·VC (s = +1 / −1) and is tested with analysis'
// sequentialFromEstimate (always valid under continuous monitoring). This is Fieller's approach
// and avoids the delta method on a ratio of means.
import { proportionToMean, quantileInterval, ratioEstimate, sequentialFromEstimate, sequentialSampleSize, summarizeMean } from "@analysis";
import type { ArmInput, Direction } from "@/server/evidence";
import type { ResolvedGuardrail } from "./types";

export interface ArmEstimate {
  n: number;
  value: number;
  /** variance of `value` as an estimate (not of a unit) */
  variance: number;
}

export type ArmProblem = "empty_arm" | "zero_denominator" | "insufficient_data";

/** The arm's value and the variance of that estimate, or why it has none. */
export function armEstimate(stats: ArmInput | undefined): ArmEstimate | ArmProblem {
  if (!stats) return "empty_arm";
  switch (stats.kind) {
    case "proportion":
    case "mean": {
      const m = stats.kind === "proportion" ? proportionToMean(stats) : stats;
      if (m.n === 0) return "empty_arm";
      if (m.n < 2) return "insufficient_data";
      // a variance below the sums' rounding floor is no evidence (not zero variance: that would be
      // infinite significance); the mean adds back the SQL's centring shift
      const s = summarizeMean(m, stats.kind);
      if (s.belowPrecision) return "insufficient_data";
      return { n: m.n, value: s.mean, variance: s.variance / m.n };
    }
    case "ratio": {
      if (stats.n === 0) return "empty_arm";
      if (stats.n < 2) return "insufficient_data";
      const r = ratioEstimate(stats);
      if (!r) return "zero_denominator";
      return { n: stats.n, value: r.ratio, variance: r.varianceOfRatio };
    }
    case "percentile": {
      if (stats.indicator.n === 0 || stats.indicator.sumY === 0) return "empty_arm";
      const q = stats.quantiles.length >= 2 ? quantileInterval(stats) : null;
      if (!q) return "insufficient_data";
      return { n: q.n, value: q.estimate, variance: q.standardError * q.standardError };
    }
  }
}

/** +1 when a larger candidate value is harm, −1 when a smaller one is. */
export function harmSign(direction: Direction): 1 | -1 {
  return direction === "lower_is_better" ? 1 : -1;
}

export interface Contrast {
  estimate: number;
  standardError: number;
  n: number;
}

/** c(t) = s·(mT − mC) − t·(relative ? mC : 1): positive means harm beyond t. */
export function harmContrast(base: ArmEstimate, cand: ArmEstimate, sign: 1 | -1, t: number, relative: boolean): Contrast {
  const scale = relative ? t * base.value : t;
  const controlCoef = relative ? 1 + sign * t : 1;
  return {
    estimate: sign * (cand.value - base.value) - scale,
    standardError: Math.sqrt(cand.variance + controlCoef * controlCoef * base.variance),
    n: base.n + cand.n,
  };
}

const multipliers = new Map<string, number>();

/**
 * Multiplier k such that estimate + k·se is the always-valid upper bound at N units (one-sided, or
 * the half-width factor of the two-sided sequence). Depends only on (N, alpha, tuning): memoised,
 * since finding the one-sided critical value is a bisection.
 */
export function upperBoundMultiplier(n: number, alpha: number, tuning: number, oneSided = true): number {
  const key = `${n}|${alpha}|${tuning}|${oneSided}`;
  let k = multipliers.get(key);
  if (k === undefined) {
    k = sequentialFromEstimate({ estimate: 0, standardError: 1, n }, { alpha, alternative: oneSided ? "less" : "two-sided", tuning }).interval.upper;
    if (multipliers.size > 5000) multipliers.clear();
    multipliers.set(key, k);
  }
  return k;
}

/**
 * Always-valid upper bound on the harm, in the guardrail's unit: the smallest margin m for which
 * "harm < m" is shown. Infinity when no margin can be shown (e.g. the baseline is too noisy for a
 * relative statement). Monotone bisection; 60 halvings reach double precision on [−1, 1e6].
 */
export function harmUpperBound(base: ArmEstimate, cand: ArmEstimate, sign: 1 | -1, g: ResolvedGuardrail, k: number): number {
  const relative = g.toleranceType === "relative";
  const boundAt = (m: number) => {
    const c = harmContrast(base, cand, sign, m, relative);
    return c.estimate + k * c.standardError;
  };
  if (!relative) return sign * (cand.value - base.value) + k * Math.sqrt(cand.variance + base.variance);
  if (base.value <= 0) return Infinity;
  let lo = -1;
  let hi = 1;
  while (boundAt(hi) >= 0) {
    hi *= 2;
    if (hi > 1e6) return Infinity;
  }
  if (boundAt(lo) < 0) return lo;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (boundAt(mid) < 0) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Total units (both arms) the always-valid one-sided test of "contrast < 0" needs for 80 % power if
 * the current estimate were the true value, at the per-unit variance seen so far: analysis'
 * sequential sizing, solved against the test's own boundary (not a fixed-horizon size, which is
 * about half of it, nor the N at which the bound would clear if the estimate stayed put, which is
 * a 50 % point). null if never (the estimate itself is on the wrong side).
 */
export function unitsForBound(contrast: Contrast, alpha: number, tuning: number, oneSided = true, power = 0.8): number | null {
  if (contrast.estimate >= 0 || contrast.n <= 0) return null;
  const unitVariance = contrast.standardError * contrast.standardError * contrast.n;
  if (!(unitVariance > 0)) return null;
  // A total-N design: two arms of N/2 with per-arm unit variance v/4 give se² = v/N. The one-sided
  // boundary is a bisection per N; the two-sided closed form at 2α is within a few per cent of it
  // (slightly conservative below N ≈ 5,000) and keeps a decision cheap.
  try {
    const size = sequentialSampleSize(
      { effect: -contrast.estimate, varianceControl: unitVariance / 4 },
      // 0.1 % is precise enough for "about N more users", and keeps a decision cheap
      { alpha: oneSided ? Math.min(2 * alpha, 0.999) : alpha, alternative: "two-sided", tuning, power, precision: 1e-3 },
    );
    return size.total;
  } catch {
    return null;
  }
}

/** (cand − base)/|base|: the sign of the change also on a negative baseline (−2.0 → −1.8 is +10 %), as analysis' relative lift. */
export function relativeChange(base: number, cand: number): number | null {
  return base === 0 ? null : (cand - base) / Math.abs(base);
}

/** JSON-safe number: stored decisions never hold Infinity/NaN (JSON would turn them into null silently). */
export function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
