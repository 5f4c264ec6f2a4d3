// Sample size and power for the always-valid test this library actually runs (sequential.ts: the
// normal-mixture confidence sequence, two-sided, or the half-normal mixture one-sided), solved
// numerically against its own boundary. At N total units the test rejects when |z| (or z) exceeds
//     c(N) = √(2(1 + a)/a · ln(√(1 + a)/α)),  a = N·ρ²        (one-sided: oneSidedCritical(a, α))
// so the power at N is Φ(δ/se − c(N)) (+ Φ(−δ/se − c(N)) two-sided), with se the standard error of
// the difference at N. This is the power of a test read at N; monitoring it continuously (the
// running minimum of the p-value) can only reject more often, so these sizes are conservative.
// Fixed-horizon sizes (power.ts) are ~2× too small for this test: at 0.2 sd, 80 % power needs
// ≈ 2.1× the fixed-horizon n, and the fixed-horizon n gives ≈ 24 % power.
import { normalCdf } from "./dist";
import { AnalysisInputError, requireFinite, requireInRange, requireNonNegative } from "./errors";
import { resolvePower, solveIncreasing, type PowerOptions, type SampleSize } from "./power";
import { DEFAULT_SEQUENTIAL_TUNING, oneSidedCritical, sequentialRho } from "./sequential";
import type { Alternative, Comparison } from "./types";

export type SequentialPowerOptions = PowerOptions & {
  /** the test's tuning (default 5000) */
  tuning?: number;
  /** relative precision of the solved size (default 1e-12; "users still needed" needs ~1e-3) */
  precision?: number;
};

type Resolved = { alpha: number; power: number; alternative: Alternative; ratio: number; tuning: number; precision: number };

function resolve(opts: SequentialPowerOptions | undefined): Resolved {
  const tuning = opts?.tuning ?? DEFAULT_SEQUENTIAL_TUNING;
  requireFinite(tuning, "opts.tuning");
  if (tuning <= 0) throw new AnalysisInputError("out-of-range", "opts.tuning", `must be > 0, got ${tuning}`);
  const precision = requireInRange(opts?.precision ?? 1e-12, "opts.precision", 0, 0.1, true);
  return { ...resolvePower(opts), tuning, precision };
}

/** z the always-valid test must exceed at N total units: two-sided |z|, one-sided z in the tested direction. */
export function sequentialBoundary(nTotal: number, opts?: { alpha?: number; alternative?: Alternative; tuning?: number }): number {
  return boundary(requireNonNegative(nTotal, "nTotal"), resolve(opts));
}

/** The boundary for resolved options (no validation: the solvers call it many times). */
function boundary(n: number, o: Resolved): number {
  if (n === 0) return Infinity;
  const rho = sequentialRho(o.alpha, o.tuning);
  const a = n * rho * rho;
  if (o.alternative === "two-sided") return Math.sqrt(((2 * (1 + a)) / a) * Math.log(Math.sqrt(1 + a) / o.alpha));
  return oneSidedCritical(a, o.alpha);
}

type Design = { effect: number; varC: number; varT: number };

function power(d: Design, nC: number, o: Resolved): number {
  if (nC <= 0) return 0;
  const nT = nC * o.ratio;
  const se = Math.sqrt(d.varC / nC + d.varT / nT);
  const c = boundary(nC + nT, o);
  const k = d.effect / se;
  if (o.alternative === "two-sided") return normalCdf(k - c) + normalCdf(-k - c);
  return normalCdf((o.alternative === "greater" ? k : -k) - c);
}

function size(d: Design, o: Resolved): SampleSize {
  requireFinite(d.effect, "mde");
  if (d.effect === 0) throw new AnalysisInputError("out-of-range", "mde", "must be non-zero");
  if (!(d.varC > 0 || d.varT > 0)) throw new AnalysisInputError("out-of-range", "variance", "must be > 0 to size a test");
  if ((o.alternative === "greater" && d.effect < 0) || (o.alternative === "less" && d.effect > 0)) {
    throw new AnalysisInputError("out-of-range", "mde", `sign contradicts alternative "${o.alternative}"`);
  }
  // power(n) increases in n for n beyond the boundary's minimum; start where it is already > 0
  const exact = solveIncreasing((n) => power(d, n, o), o.power, 1e-9, 1, 1e15, o.precision);
  if (exact === null) throw new AnalysisInputError("out-of-range", "power", "cannot be reached at any sample size");
  const control = Math.ceil(exact - 1e-9);
  const treatment = Math.ceil(exact * o.ratio - 1e-9);
  return { control, treatment, total: control + treatment, exactControl: exact };
}

/** Power of sequentialTest on means at nControl (treatment = ratio·nControl), read at that size. */
export function sequentialPowerForMeans(input: { standardDeviation: number; mde: number; nControl: number }, opts?: SequentialPowerOptions): number {
  const o = resolve(opts);
  const sd = requireNonNegative(input.standardDeviation, "standardDeviation");
  return power({ effect: requireFinite(input.mde, "mde"), varC: sd * sd, varT: sd * sd }, requireNonNegative(input.nControl, "nControl"), o);
}

/** Per-arm size for sequentialTest to detect an absolute difference `mde` of a mean with unit sd `standardDeviation`. */
export function sequentialSampleSizeForMeans(input: { standardDeviation: number; mde: number }, opts?: SequentialPowerOptions): SampleSize {
  const sd = requireNonNegative(input.standardDeviation, "standardDeviation");
  return size({ effect: input.mde, varC: sd * sd, varT: sd * sd }, resolve(opts));
}

function rates(baselineRate: number, mde: number, relative: boolean | undefined): Design {
  requireInRange(baselineRate, "baselineRate", 0, 1, true);
  requireFinite(mde, "mde");
  const p2 = relative ? baselineRate * (1 + mde) : baselineRate + mde;
  if (!(p2 > 0 && p2 < 1)) throw new AnalysisInputError("out-of-range", "mde", `implies a treatment rate ${p2} outside (0, 1)`);
  // sequentialTest(proportionToMean(...)) uses each arm's own variance (no pooling)
  return { effect: p2 - baselineRate, varC: baselineRate * (1 - baselineRate), varT: p2 * (1 - p2) };
}

/** Per-arm size for the sequential test of a rate (sequentialTest on proportionToMean) to detect `mde` (absolute, or relative). */
export function sequentialSampleSizeForProportions(input: { baselineRate: number; mde: number; relative?: boolean }, opts?: SequentialPowerOptions): SampleSize {
  return size(rates(input.baselineRate, input.mde, input.relative), resolve(opts));
}

export function sequentialPowerForProportions(input: { baselineRate: number; mde: number; relative?: boolean; nControl: number }, opts?: SequentialPowerOptions): number {
  return power(rates(input.baselineRate, input.mde, input.relative), requireNonNegative(input.nControl, "nControl"), resolve(opts));
}

/**
 * Generic: per-arm size for an always-valid test of an effect with the given per-unit variances
 * (any asymptotically normal estimate: ratio metrics via ratioEstimate's unitVariance, contrasts).
 */
export function sequentialSampleSize(input: { effect: number; varianceControl: number; varianceTreatment?: number }, opts?: SequentialPowerOptions): SampleSize {
  const varC = requireNonNegative(input.varianceControl, "varianceControl");
  const varT = requireNonNegative(input.varianceTreatment ?? varC, "varianceTreatment");
  return size({ effect: input.effect, varC, varT }, resolve(opts));
}

/** usersStillNeeded (power.ts) for the sequential test: sizes from the per-unit variances observed so far. */
export function sequentialUsersStillNeeded(comparison: Comparison, mde: number, opts?: SequentialPowerOptions) {
  const { control, treatment } = comparison;
  const ratio = opts?.ratio ?? (control.n > 0 && treatment.n > 0 ? treatment.n / control.n : 1);
  const required = sequentialSampleSize({ effect: mde, varianceControl: control.variance, varianceTreatment: treatment.variance }, { ...opts, ratio });
  const c = Math.max(0, required.control - control.n);
  const t = Math.max(0, required.treatment - treatment.n);
  return { required, stillNeeded: { control: c, treatment: t, total: c + t } };
}

/**
 * The mixture tuning for an experiment expected to end near `expectedTotal` units (both arms): the
 * tuning whose two-sided boundary at that N is smallest, found numerically (minimising
 * (1 + a)/a · (ln(1 + a) − 2 ln α) over a = Nρ²). GrowthBook's ρ formula puts the optimum at
 * N = tuning only approximately; this returns the exact minimiser, typically within a few % of N.
 */
export function sequentialTuningFor(expectedTotal: number, opts?: { alpha?: number }): number {
  const n = requireNonNegative(expectedTotal, "expectedTotal");
  if (n === 0) throw new AnalysisInputError("out-of-range", "expectedTotal", "must be > 0");
  const alpha = resolvePower({ alpha: opts?.alpha }).alpha;
  const l = -2 * Math.log(alpha);
  const f = (a: number) => ((1 + a) / a) * (Math.log1p(a) + l);
  // f is unimodal in log a: golden-section search
  let lo = Math.log(1e-6);
  let hi = Math.log(1e6);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const m1 = hi - g * (hi - lo);
    const m2 = lo + g * (hi - lo);
    if (f(Math.exp(m1)) < f(Math.exp(m2))) hi = m2;
    else lo = m1;
  }
  const a = Math.exp((lo + hi) / 2);
  // ρ² = (l + ln(l + 1))/tuning and a = N ρ²  ⇒  tuning = N (l + ln(l + 1))/a
  return (n * (l + Math.log(l + 1))) / a;
}
