// Novelty (and learning) effects: the treatment effect by days since first exposure, and a trend test
// on it. A curiosity spike on a new feature shows as a large effect on day 0 that decays over the
// following days; reading the cumulative effect alone would overstate the long-run effect.
//
// Input per day d = 0, 1, … and arm: the units that had reached day d (exposed at least d + 1 full
// days before the cut) and the sums of their day-d values (a unit with no event that day adds 0).
//
// Trend: weighted least squares of the per-day effect on d with weights 1/se_d² (noveltyEffects gives
// the slope and its coefficients), tested with a cluster-robust (by unit) standard error
// (noveltyTrend). The textbook WLS SE 1/√Σw(d − d̄)² assumes independent per-day effects, and they are
// not: day d and day e share every unit that reached max(d, e), and a unit's values on different days
// are correlated (a heavy user is heavy every day). With staggered exposures the later days are nested
// subsets of the earlier ones, so the per-unit levels that tilt a late day's effect do not average out
// across days: in seeded A/A simulations (test/unit/analysis/novelty.test.ts, 14 days, 4,000 units) the
// naive SE flags 14–20 % of experiments at p < 0.05. Treating the test as descriptive at p < 0.01 was not
// enough either (6–10 %). The robust SE is the sandwich variance of the slope as a linear contrast of
// the per-day means: Var = Σ over units of s_u², s_u = Σ_d c_d · (unit u's linearised day-d value), which
// the database sums per arm in one more pass (a scalar per arm; the full D × D cross-day covariance
// would be D² sums per arm). It gives 5–6 % in the same simulations, so `trending` is p < 0.05 over at
// least 3 days with ≥ 100 units per arm each. Per-day SEs (and the weights) stay the per-day ones.
// Not modelled: calendar effects (a weekend on day 2 of the early cohort only) and cohort differences
// (later days hold only the earliest-exposed units), which a trend also reflects.
import { relativeInterval, undefinedRelative } from "./compare";
import { AnalysisInputError, requireCount, requireInRange, requireNonNegative } from "./errors";
import { normalQuantile, normalSf } from "./dist";
import { ratioEstimate } from "./ratio";
import { checkMean, checkRatio, varianceFromSums } from "./summary";
import type { Interval } from "./types";

/** One arm on one day: units that reached the day and the sums of their day values (y only for ratios). */
export type NoveltyArmDay = { n: number; sumX: number; sumX2: number; sumY?: number; sumY2?: number; sumXY?: number };

export type NoveltyKind = "proportion" | "mean" | "ratio";

export type NoveltyDayInput = { day: number; control: NoveltyArmDay; treatment: NoveltyArmDay };

export type NoveltyOptions = {
  /** per-day intervals, two-sided (default 0.05) */
  alpha?: number;
  /** the trend test's threshold (default TREND_ALPHA = 0.01; see the header on why not 0.05) */
  trendAlpha?: number;
  /** a day enters the trend only with at least this many units in each arm (default 100: the per-day SEs, hence the weights, are estimated) */
  minUnitsPerArm?: number;
};

export type NoveltyDay = {
  day: number;
  n: { control: number; treatment: number };
  control: number;
  treatment: number;
  /** treatment − control */
  effect: number;
  /** standard error of the effect; null when an arm cannot give a variance (n < 2, Σy = 0) */
  se: number | null;
  ci: Interval;
  /** (treatment − control)/|control| with the same log-ratio / linear delta method as the comparisons */
  relative: Interval;
  relativeUndefined?: true;
  /** enters the trend test (enough units, a positive SE) */
  used: boolean;
};

export type NoveltyTrend = {
  /** change of the effect per day (WLS, weights 1/se²) */
  slope: number;
  se: number;
  z: number;
  pValue: number;
  /** the naive SE (per-day effects taken as independent), for comparison: see the header */
  naiveSe: number;
  /** the fitted effect at the first and last day used */
  fittedFirst: number;
  fittedLast: number;
  daysUsed: number;
  /** shrinking: the fitted effect moves toward (or through) zero; growing: away from it */
  direction: "shrinking" | "growing";
  trending: boolean;
  trendAlpha: number;
};

/**
 * The trend's point estimate and what its cluster-robust variance needs: slope = Σ c_d · effect_d over
 * the days used, and per arm the linearisation of each day's estimate (mean: (x − m_d)/n_d; ratio:
 * (x − R_d·y)/Σy_d). A unit's score is s = Σ_{used d it reached} c_d (x_d − center_d·y_d)/scale_d
 * (y = 1 for means and proportions); Var(slope) = Σ over both arms' units of s² (units independent, a
 * unit's days not: the sandwich / cluster-robust variance of a linear contrast of the per-day means).
 */
export type NoveltyTrendPlan = {
  days: number[];
  weights: number[];
  slope: number;
  /** the naive SE 1/√Σw(d − d̄)², reported for comparison only */
  naiveSe: number;
  fittedFirst: number;
  fittedLast: number;
  arms: { control: { center: number[]; scale: number[] }; treatment: { center: number[]; scale: number[] } };
};

export type NoveltyResult = { kind: NoveltyKind; days: NoveltyDay[]; plan: NoveltyTrendPlan | null };

/** Σ over an arm's units of their squared score (see NoveltyTrendPlan), computed where the units are. */
export type NoveltyArmScores = { n: number; sumS2: number };

export const TREND_ALPHA = 0.05;
export const NOVELTY_MIN_UNITS_PER_ARM = 100;
export const NOVELTY_MIN_DAYS = 3;

type ArmEstimate = { mean: number; varMean: number | null };

function armEstimate(kind: NoveltyKind, a: NoveltyArmDay, field: string): ArmEstimate {
  if (kind === "ratio") {
    const r = { n: a.n, sumX: a.sumX, sumY: a.sumY ?? 0, sumX2: a.sumX2, sumY2: a.sumY2 ?? 0, sumXY: a.sumXY ?? 0 };
    checkRatio(r, field);
    const e = ratioEstimate(r, field);
    if (!e) return { mean: 0, varMean: null };
    return { mean: e.ratio, varMean: a.n < 2 ? null : e.varianceOfRatio };
  }
  checkMean({ n: a.n, sum: a.sumX, sumSquares: a.sumX2 }, field);
  if (kind === "proportion" && a.sumX > a.n) throw new AnalysisInputError("out-of-range", `${field}.sumX`, `a proportion's successes must be <= n (${a.n})`);
  const mean = a.n === 0 ? 0 : a.sumX / a.n;
  return { mean, varMean: a.n < 2 ? null : varianceFromSums(a.n, a.sumX, a.sumX2, `${field}.sumX2`) / a.n };
}

/** Per-day effects and the trend test. Days must be distinct; they are returned in increasing order. */
export function noveltyEffects(kind: NoveltyKind, input: readonly NoveltyDayInput[], opts: NoveltyOptions = {}): NoveltyResult {
  if (kind !== "proportion" && kind !== "mean" && kind !== "ratio") throw new AnalysisInputError("invalid-option", "kind", "must be proportion, mean or ratio");
  const alpha = opts.alpha ?? 0.05;
  requireInRange(alpha, "opts.alpha", 0, 1, true);
  const minUnits = opts.minUnitsPerArm ?? NOVELTY_MIN_UNITS_PER_ARM;
  const q = normalQuantile(1 - alpha / 2);
  const ci = (estimate: number, se: number): Interval => ({ estimate, lower: estimate - q * se, upper: estimate + q * se });

  const sorted = [...input].sort((a, b) => a.day - b.day);
  const days = sorted.map((d, i): NoveltyDay => {
    if (!Number.isInteger(d.day) || d.day < 0) throw new AnalysisInputError("out-of-range", `days[${i}].day`, "must be an integer >= 0");
    if (i > 0 && sorted[i - 1].day === d.day) throw new AnalysisInputError("inconsistent", `days[${i}].day`, `day ${d.day} appears twice`);
    const c = armEstimate(kind, d.control, `days[${i}].control`);
    const t = armEstimate(kind, d.treatment, `days[${i}].treatment`);
    const effect = t.mean - c.mean;
    const se = c.varMean === null || t.varMean === null ? null : Math.sqrt(c.varMean + t.varMean);
    const open: Interval = { estimate: effect, lower: -Infinity, upper: Infinity };
    const out: NoveltyDay = {
      day: d.day,
      n: { control: d.control.n, treatment: d.treatment.n },
      control: c.mean,
      treatment: t.mean,
      effect,
      se,
      ci: se === null ? open : ci(effect, se),
      relative: { estimate: 0, lower: -Infinity, upper: Infinity },
      used: se !== null && se > 0 && d.control.n >= minUnits && d.treatment.n >= minUnits,
    };
    if (c.mean === 0) {
      out.relative = undefinedRelative(t.mean);
      out.relativeUndefined = true;
    } else if (se === null) {
      out.relative = { estimate: effect / Math.abs(c.mean), lower: -Infinity, upper: Infinity };
    } else {
      out.relative = relativeInterval(c.mean, t.mean, c.varMean ?? 0, t.varMean ?? 0, ci);
    }
    return out;
  });
  return { kind, days, plan: planTrend(kind, sorted, days) };
}

/** WLS of effect on day, weights 1/se² (naive per-day SEs): the coefficients c_d of the slope. Null below 2 usable days. */
function planTrend(kind: NoveltyKind, input: NoveltyDayInput[], days: NoveltyDay[]): NoveltyTrendPlan | null {
  const idx = days.flatMap((d, i) => (d.used ? [i] : []));
  if (idx.length < 2) return null;
  const used = idx.map((i) => days[i]);
  const w = used.map((d) => 1 / (d.se as number) ** 2);
  const sw = w.reduce((a, b) => a + b, 0);
  const dBar = used.reduce((a, d, i) => a + w[i] * d.day, 0) / sw;
  const eBar = used.reduce((a, d, i) => a + w[i] * d.effect, 0) / sw;
  const sxx = used.reduce((a, d, i) => a + w[i] * (d.day - dBar) ** 2, 0);
  const weights = used.map((d, i) => (w[i] * (d.day - dBar)) / sxx);
  const slope = used.reduce((a, d, i) => a + weights[i] * d.effect, 0);
  const fitted = (day: number) => eBar + slope * (day - dBar);
  const arm = (which: "control" | "treatment") => ({
    center: used.map((d) => d[which]),
    scale: idx.map((i) => (kind === "ratio" ? (input[i][which].sumY ?? 0) : input[i][which].n)),
  });
  return {
    days: used.map((d) => d.day),
    weights,
    slope,
    naiveSe: 1 / Math.sqrt(sxx),
    fittedFirst: fitted(used[0].day),
    fittedLast: fitted(used[used.length - 1].day),
    arms: { control: arm("control"), treatment: arm("treatment") },
  };
}

/**
 * A unit's score for the robust variance (see NoveltyTrendPlan): `values` are its (day, x, y) values
 * of the days it reached (y ignored for means and proportions). What the SQL computes per unit; here
 * for tests and callers that hold per-unit data.
 */
export function noveltyUnitScore(plan: NoveltyTrendPlan, arm: "control" | "treatment", kind: NoveltyKind, reachedDay: number, values: readonly { day: number; x: number; y?: number }[]): number {
  const byDay = new Map(values.map((v) => [v.day, v]));
  const a = plan.arms[arm];
  let s = 0;
  plan.days.forEach((d, i) => {
    if (d > reachedDay) return;
    const v = byDay.get(d);
    const x = v?.x ?? 0;
    const y = kind === "ratio" ? (v?.y ?? 0) : 1;
    s += (plan.weights[i] * (x - a.center[i] * y)) / a.scale[i];
  });
  return s;
}

/**
 * The trend test: the plan's WLS slope with the cluster-robust SE √(Σ s²) over both arms' units, z
 * test. `trending` needs at least `minDays` used days (default 3) and p < `trendAlpha` (default 0.05).
 */
export function noveltyTrend(plan: NoveltyTrendPlan, scores: { control: NoveltyArmScores; treatment: NoveltyArmScores }, opts: { trendAlpha?: number; minDays?: number } = {}): NoveltyTrend {
  const trendAlpha = opts.trendAlpha ?? TREND_ALPHA;
  requireInRange(trendAlpha, "opts.trendAlpha", 0, 1, true);
  const minDays = opts.minDays ?? NOVELTY_MIN_DAYS;
  for (const arm of ["control", "treatment"] as const) {
    requireNonNegative(scores[arm].sumS2, `scores.${arm}.sumS2`);
    requireCount(scores[arm].n, `scores.${arm}.n`);
  }
  // n/(n − 1) per arm, as for a sample variance of the scores (which sum to 0 in each arm)
  const corr = (a: NoveltyArmScores) => (a.n > 1 ? (a.sumS2 * a.n) / (a.n - 1) : a.sumS2);
  const se = Math.sqrt(corr(scores.control) + corr(scores.treatment));
  const z = se > 0 ? plan.slope / se : plan.slope === 0 ? 0 : Math.sign(plan.slope) * Infinity;
  const pValue = Math.min(1, 2 * normalSf(Math.abs(z)));
  const { fittedFirst, fittedLast } = plan;
  return {
    slope: plan.slope,
    se,
    z,
    pValue,
    naiveSe: plan.naiveSe,
    fittedFirst,
    fittedLast,
    daysUsed: plan.days.length,
    direction: Math.abs(fittedLast) < Math.abs(fittedFirst) || Math.sign(fittedLast) !== Math.sign(fittedFirst) ? "shrinking" : "growing",
    trending: plan.days.length >= minDays && pValue < trendAlpha,
    trendAlpha,
  };
}
