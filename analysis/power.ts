// Sample size, power and minimum detectable effect for the fixed-horizon tests
// of this library, under the normal approximation (the regime experiments run
// in). Power counts both rejection regions of a two-sided test, exactly like
// statsmodels' NormalIndPower, and sizes are found by solving power(n) = target
// numerically rather than with the textbook closed form that drops the far tail.
//
// Allocation: `ratio` = n_treatment / n_control (default 1). Sizes are per arm.
import { normalCdf, normalQuantile, resolveOptions } from "./dist";
import { AnalysisInputError, requireFinite, requireInRange, requireNonNegative } from "./errors";
import { ratioEstimate } from "./ratio";
import type { Alternative, Comparison, Ratio } from "./types";

export type PowerOptions = { alpha?: number; power?: number; alternative?: Alternative; ratio?: number };

export type SampleSize = {
  /** Units needed per arm, rounded up. */
  control: number;
  treatment: number;
  total: number;
  /** Unrounded control-arm size solving power(n) = target. */
  exactControl: number;
};

type Resolved = { alpha: number; power: number; alternative: Alternative; ratio: number };

export function resolvePower(opts: PowerOptions | undefined): Resolved {
  const { alpha, alternative } = resolveOptions(opts);
  const power = requireInRange(opts?.power ?? 0.8, "opts.power", 0, 1, true);
  const ratio = opts?.ratio ?? 1;
  requireFinite(ratio, "opts.ratio");
  if (ratio <= 0) throw new AnalysisInputError("out-of-range", "opts.ratio", `must be > 0, got ${ratio}`);
  return { alpha, power, alternative, ratio };
}

/**
 * Power of a z test whose estimate is N(effect, se1²) and whose rejection
 * threshold uses se0 (se0 = se1 except for the pooled two-proportion test).
 */
function zPower(effect: number, se0: number, se1: number, alpha: number, alternative: Alternative): number {
  if (alternative === "two-sided") {
    const c = normalQuantile(1 - alpha / 2) * se0;
    return normalCdf((effect - c) / se1) + normalCdf((-effect - c) / se1);
  }
  const c = normalQuantile(1 - alpha) * se0;
  return alternative === "greater" ? normalCdf((effect - c) / se1) : normalCdf((-effect - c) / se1);
}

/** Solve f(x) = target for increasing f on (lo, ∞) by bracketing and bisection to ~1e-12 relative. */
export function solveIncreasing(f: (x: number) => number, target: number, lo: number, hi: number, maxHi = Infinity, relTol = 1e-12): number | null {
  while (f(hi) < target) {
    if (hi >= maxHi) return null;
    lo = hi;
    hi = Math.min(hi * 2, maxHi);
  }
  for (let i = 0; i < 300 && hi - lo > relTol * hi; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Power as a function of control-arm size, for per-unit variances under H1 (and H0 if different). */
type Design = { effect: number; varC: number; varT: number; nullVar?: (n: number) => number };

function designPower(d: Design, nC: number, o: Resolved): number {
  const nT = nC * o.ratio;
  const se1 = Math.sqrt(d.varC / nC + d.varT / nT);
  const se0 = d.nullVar ? Math.sqrt(d.nullVar(nC)) : se1;
  return zPower(d.effect, se0, se1, o.alpha, o.alternative);
}

function solveSize(d: Design, o: Resolved): SampleSize {
  if (d.effect === 0) throw new AnalysisInputError("out-of-range", "mde", "must be non-zero");
  if (!(d.varC > 0 || d.varT > 0)) throw new AnalysisInputError("out-of-range", "variance", "must be > 0 to size a test");
  if ((o.alternative === "greater" && d.effect < 0) || (o.alternative === "less" && d.effect > 0)) {
    throw new AnalysisInputError("out-of-range", "mde", `sign contradicts alternative "${o.alternative}"`);
  }
  const exact = solveIncreasing((n) => designPower(d, n, o), o.power, 1e-9, 1, 1e300);
  if (exact === null) throw new AnalysisInputError("out-of-range", "power", "cannot be reached at any sample size");
  const control = Math.ceil(exact - 1e-9);
  const treatment = Math.ceil(exact * o.ratio - 1e-9);
  return { control, treatment, total: control + treatment, exactControl: exact };
}

/** Power of Welch / z test on means at a given control-arm size (treatment = ratio·n). */
export function powerForMeans(input: { standardDeviation: number; mde: number; nControl: number }, opts?: PowerOptions): number {
  const o = resolvePower(opts);
  const sd = requireNonNegative(input.standardDeviation, "standardDeviation");
  requireFinite(input.mde, "mde");
  requireNonNegative(input.nControl, "nControl");
  return designPower({ effect: input.mde, varC: sd * sd, varT: sd * sd }, input.nControl, o);
}

/** Per-arm sample size to detect an absolute difference `mde` in a mean with unit standard deviation `standardDeviation`. */
export function sampleSizeForMeans(input: { standardDeviation: number; mde: number }, opts?: PowerOptions): SampleSize {
  const o = resolvePower(opts);
  const sd = requireNonNegative(input.standardDeviation, "standardDeviation");
  requireFinite(input.mde, "mde");
  return solveSize({ effect: input.mde, varC: sd * sd, varT: sd * sd }, o);
}

function proportionDesign(p1: number, p2: number, o: Resolved): Design {
  // Pooled variance at the planned allocation, exactly what twoProportionTest's statistic uses.
  const pBar = (p1 + o.ratio * p2) / (1 + o.ratio);
  return {
    effect: p2 - p1,
    varC: p1 * (1 - p1),
    varT: p2 * (1 - p2),
    nullVar: (nC) => pBar * (1 - pBar) * (1 / nC + 1 / (nC * o.ratio)),
  };
}

function treatmentRate(baselineRate: number, mde: number, relative: boolean | undefined): number {
  requireInRange(baselineRate, "baselineRate", 0, 1, true);
  requireFinite(mde, "mde");
  const p2 = relative ? baselineRate * (1 + mde) : baselineRate + mde;
  if (!(p2 > 0 && p2 < 1)) throw new AnalysisInputError("out-of-range", "mde", `implies a treatment rate ${p2} outside (0, 1)`);
  return p2;
}

/** Per-arm sample size for twoProportionTest (pooled z) to detect `mde` (absolute, or relative if `relative`). */
export function sampleSizeForProportions(input: { baselineRate: number; mde: number; relative?: boolean }, opts?: PowerOptions): SampleSize {
  const o = resolvePower(opts);
  const p2 = treatmentRate(input.baselineRate, input.mde, input.relative);
  return solveSize(proportionDesign(input.baselineRate, p2, o), o);
}

export function powerForProportions(input: { baselineRate: number; mde: number; relative?: boolean; nControl: number }, opts?: PowerOptions): number {
  const o = resolvePower(opts);
  const p2 = treatmentRate(input.baselineRate, input.mde, input.relative);
  requireNonNegative(input.nControl, "nControl");
  return designPower(proportionDesign(input.baselineRate, p2, o), input.nControl, o);
}

/**
 * Per-arm sample size for ratioTest, using the per-user linearised variance of a
 * baseline (pre-period or control) Ratio summary. `mde` is absolute on the ratio
 * scale, or relative to the baseline ratio if `relative`.
 */
export function sampleSizeForRatio(input: { baseline: Ratio; mde: number; relative?: boolean }, opts?: PowerOptions): SampleSize {
  const o = resolvePower(opts);
  const est = ratioEstimate(input.baseline, "baseline");
  if (!est || input.baseline.n < 2) throw new AnalysisInputError("out-of-range", "baseline", "needs n >= 2 and sumY != 0");
  requireFinite(input.mde, "mde");
  const effect = input.relative ? est.ratio * input.mde : input.mde;
  return solveSize({ effect, varC: est.unitVariance, varT: est.unitVariance }, o);
}

/**
 * Minimum detectable effect (absolute, positive direction; for "less" it is the
 * magnitude of a decrease) at a given control-arm size, for a metric with the
 * given per-unit variance: means (sd²), ratios (unitVariance from ratioEstimate).
 */
export function minimumDetectableEffect(input: { unitVariance: number; nControl: number }, opts?: PowerOptions): number {
  const o = resolvePower(opts);
  const v = requireNonNegative(input.unitVariance, "unitVariance");
  const n = requireNonNegative(input.nControl, "nControl");
  if (n === 0) return Infinity;
  if (v === 0) return 0;
  const sign = o.alternative === "less" ? -1 : 1;
  const scale = Math.sqrt(v / n + v / (n * o.ratio));
  return solveIncreasing((k) => designPower({ effect: sign * k * scale, varC: v, varT: v }, n, o), o.power, 0, 1)! * scale;
}

/** MDE for proportions (absolute rate difference above the baseline); null if no rate ≤ 1 reaches the power. */
export function minimumDetectableEffectForProportions(input: { baselineRate: number; nControl: number }, opts?: PowerOptions): number | null {
  const o = resolvePower(opts);
  const p1 = requireInRange(input.baselineRate, "baselineRate", 0, 1, true);
  const n = requireNonNegative(input.nControl, "nControl");
  if (n === 0) return null;
  const down = o.alternative === "less";
  const room = down ? p1 : 1 - p1;
  const f = (d: number) => designPower(proportionDesign(p1, down ? p1 - d : p1 + d, o), n, o);
  if (f(room * (1 - 1e-12)) < o.power) return null;
  return solveIncreasing(f, o.power, 0, Math.min(room * (1 - 1e-12), Math.max(1e-9, room / 1024)), room * (1 - 1e-12));
}

export type UsersStillNeeded = { required: SampleSize; stillNeeded: { control: number; treatment: number; total: number } };

/**
 * For a running test: the per-arm sizes needed to detect `mde` (absolute, on the
 * comparison's scale) with the per-unit variances observed so far, and how many
 * more units each arm still needs. Works for any Comparison from this library
 * because `variance` there is always the per-unit variance. The allocation ratio
 * defaults to the one observed.
 */
export function usersStillNeeded(comparison: Comparison, mde: number, opts?: PowerOptions): UsersStillNeeded {
  const { control, treatment } = comparison;
  const observedRatio = control.n > 0 && treatment.n > 0 ? treatment.n / control.n : 1;
  const o = resolvePower({ ...opts, ratio: opts?.ratio ?? observedRatio });
  requireFinite(mde, "mde");
  const required = solveSize({ effect: mde, varC: control.variance, varT: treatment.variance }, o);
  const c = Math.max(0, required.control - control.n);
  const t = Math.max(0, required.treatment - treatment.n);
  return { required, stillNeeded: { control: c, treatment: t, total: c + t } };
}
