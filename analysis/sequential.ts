// Always-valid inference under continuous peeking.
//
// Method: the asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha,
// Kennedy & Ramdas (2023), "Time-uniform central limit theory and asymptotic
// confidence sequences", eq. (9)/(161) — the form GrowthBook uses for its
// sequential testing. With a = N·ρ² (N = total units so far) and z the usual
// Wald statistic (estimate − null)/se, the two-sided normal-mixture martingale is
//     M = exp(a z² / (2(1 + a))) / sqrt(1 + a)
// and the always-valid p-value is min(1, 1/M) (Ville's inequality). Inverting
// it gives the confidence sequence
//     estimate ± se · sqrt( 2(1 + a)/a · ln( sqrt(1 + a)/α ) ).
// For one-sided alternatives we mix over a half-normal instead (Howard et al.
// 2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences",
// one-sided normal mixture), which gives
//     M = 2/sqrt(1 + a) · exp(a z²/(2(1 + a))) · Φ(z·sqrt(a/(1 + a))),
// a supermartingale under every θ on the null side, so it tests the composite
// H0: θ ≤ null (or ≥) and is not merely a halved two-sided test.
//
// ρ is chosen so the sequence is tightest at N = tuning (GrowthBook's default
// tuning is 5000): ρ² = (−2 ln α + ln(−2 ln α + 1)) / tuning.
//
// Each reported p-value is valid at the moment it is computed, and
// P(∃ t: p_t ≤ α) ≤ α. Callers that display a p-value over time should report
// the running minimum (and the running intersection of the intervals): that is
// still valid and is monotone. This module is stateless and does not do it.
import { AnalysisInputError, requireFinite, requireNonNegative } from "./errors";
import { normalLogCdf, resolveOptions, type ResolvedOptions } from "./dist";
import { degenerateComparison, relativeInterval, undefinedRelative } from "./compare";
import { belowPrecision, checkMean, meanSummary } from "./summary";
import type { Comparison, DegenerateReason, Interval, Options, ShiftedMean } from "./types";

export const DEFAULT_SEQUENTIAL_TUNING = 5000;

export type SequentialOptions = Options & {
  /** Total sample size (both arms) at which the confidence sequence is tightest. Default 5000. */
  tuning?: number;
};

export type SequentialEstimateInput = {
  estimate: number;
  standardError: number;
  /** Total units behind the estimate so far (both arms for a difference). */
  n: number;
  /** H0: true value = nullValue. Default 0. */
  nullValue?: number;
};

export type SequentialResult = {
  estimate: number;
  standardError: number;
  /** (estimate − nullValue) / standardError. */
  statistic: number;
  /** Always-valid p-value at this look (report the running minimum over looks). */
  pValue: number;
  /** Confidence sequence at this look (one-sided alternatives give a one-sided bound). */
  interval: Interval;
  rho: number;
  degenerate?: DegenerateReason;
};

export function sequentialRho(alpha: number, tuning: number): number {
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

/** log of the mixture martingale for standardized statistic z, oriented so large z favours the alternative. */
function logMixture(z: number, a: number, oneSided: boolean): number {
  const quad = (a * z * z) / (2 * (1 + a));
  if (!oneSided) return quad - 0.5 * Math.log1p(a);
  return Math.LN2 - 0.5 * Math.log1p(a) + quad + normalLogCdf(z * Math.sqrt(a / (1 + a)));
}

/** Smallest z ≥ 0 at which the one-sided martingale reaches 1/α (it is increasing in z). */
export function oneSidedCritical(a: number, alpha: number): number {
  const target = -Math.log(alpha);
  let lo = 0;
  let hi = 1;
  while (logMixture(hi, a, true) < target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (logMixture(mid, a, true) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

function sequentialCore(estimate: number, se: number, n: number, nullValue: number, o: ResolvedOptions, tuning: number): SequentialResult {
  const rho = sequentialRho(o.alpha, tuning);
  const a = n * rho * rho;
  const base = { estimate, standardError: se, rho };
  if (n === 0) {
    return { ...base, statistic: 0, pValue: 1, interval: { estimate, lower: -Infinity, upper: Infinity }, degenerate: "empty-arm" };
  }
  const diff = estimate - nullValue;
  if (se === 0) {
    const statistic = diff === 0 ? 0 : Math.sign(diff) * Infinity;
    const favours = o.alternative === "two-sided" ? diff !== 0 : o.alternative === "greater" ? diff > 0 : diff < 0;
    const interval =
      o.alternative === "greater"
        ? { estimate, lower: estimate, upper: Infinity }
        : o.alternative === "less"
          ? { estimate, lower: -Infinity, upper: estimate }
          : { estimate, lower: estimate, upper: estimate };
    return { ...base, statistic, pValue: favours ? 0 : 1, interval, degenerate: "zero-variance" };
  }
  const statistic = diff / se;
  if (o.alternative === "two-sided") {
    const pValue = Math.min(1, Math.exp(-logMixture(statistic, a, false)));
    const half = se * Math.sqrt(((2 * (1 + a)) / a) * Math.log(Math.sqrt(1 + a) / o.alpha));
    return { ...base, statistic, pValue, interval: { estimate, lower: estimate - half, upper: estimate + half } };
  }
  const oriented = o.alternative === "greater" ? statistic : -statistic;
  const pValue = Math.min(1, Math.exp(-logMixture(oriented, a, true)));
  const half = se * oneSidedCritical(a, o.alpha);
  const interval = o.alternative === "greater" ? { estimate, lower: estimate - half, upper: Infinity } : { estimate, lower: -Infinity, upper: estimate + half };
  return { ...base, statistic, pValue, interval };
}

function resolveTuning(tuning: number | undefined): number {
  const t = tuning ?? DEFAULT_SEQUENTIAL_TUNING;
  requireFinite(t, "opts.tuning");
  if (t <= 0) throw new AnalysisInputError("out-of-range", "opts.tuning", `must be > 0, got ${t}`);
  return t;
}

/**
 * Generic always-valid test from any asymptotically normal estimate: a difference
 * of means, a delta-method ratio difference (errors/requests), a relative lift.
 */
export function sequentialFromEstimate(input: SequentialEstimateInput, opts?: SequentialOptions): SequentialResult {
  requireFinite(input.estimate, "input.estimate");
  requireNonNegative(input.standardError, "input.standardError");
  requireNonNegative(input.n, "input.n");
  const nullValue = requireFinite(input.nullValue ?? 0, "input.nullValue");
  return sequentialCore(input.estimate, input.standardError, input.n, nullValue, resolveOptions(opts), resolveTuning(opts?.tuning));
}

export type SequentialComparison = Comparison & { nullDifference: number; rho: number };

/**
 * Always-valid comparison of two means (use proportionToMean for rates).
 * H0: treatment − control = nullDifference (default 0); with alternative
 * "less" and nullDifference = +tolerance this is a one-sided non-inferiority
 * style test "treatment is worse by less than the tolerance".
 * statistic is the Wald z against nullDifference; absolute and relative are
 * confidence sequences.
 */
export function sequentialTest(control: ShiftedMean, treatment: ShiftedMean, opts?: SequentialOptions & { nullDifference?: number }): SequentialComparison {
  checkMean(control, "control");
  checkMean(treatment, "treatment");
  const o = resolveOptions(opts);
  const tuning = resolveTuning(opts?.tuning);
  const nullDifference = requireFinite(opts?.nullDifference ?? 0, "opts.nullDifference");
  const rho = sequentialRho(o.alpha, tuning);
  const c = meanSummary(control);
  const t = meanSummary(treatment);
  if (c.n === 0 || t.n === 0) return { ...degenerateComparison(c, t, "empty-arm"), nullDifference, rho };
  if (c.n < 2 || t.n < 2) return { ...degenerateComparison(c, t, "insufficient-data"), nullDifference, rho };
  if (belowPrecision(control.n, control.sum, control.sumSquares) || belowPrecision(treatment.n, treatment.sum, treatment.sumSquares)) {
    return { ...degenerateComparison(c, t, "below-precision"), nullDifference, rho };
  }

  const varMeanC = c.variance / c.n;
  const varMeanT = t.variance / t.n;
  const n = c.n + t.n;
  const abs = sequentialCore(t.mean - c.mean, Math.sqrt(varMeanC + varMeanT), n, nullDifference, o, tuning);
  let relative: Interval;
  let relativeUndefined = false;
  if (c.mean === 0) {
    relative = undefinedRelative(t.mean);
    relativeUndefined = true;
  } else {
    relative = relativeInterval(c.mean, t.mean, varMeanC, varMeanT, (e, s) => sequentialCore(e, s, n, 0, o, tuning).interval);
  }
  const result: SequentialComparison = {
    control: c,
    treatment: t,
    absolute: abs.interval,
    relative,
    statistic: abs.statistic,
    pValue: abs.pValue,
    nullDifference,
    rho,
  };
  if (abs.degenerate) result.degenerate = abs.degenerate;
  if (relativeUndefined) result.relativeUndefined = true;
  return result;
}
