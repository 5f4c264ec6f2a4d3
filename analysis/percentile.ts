// Percentile metrics (p50/p95/p99 of page load time) when page views are
// clustered within users, which is the unit of randomisation.
//
// Method — Woodruff (1952) intervals with a clustered (delta-method) variance, as
// in Deng, Knoblich & Lu (2018), "Applying the Delta Method in Metric
// Analytics", §4.3 "Quantile metrics":
//   1. q̂ = the arm's sample quantile at level p over all its page views.
//   2. F̂(q̂) = Σᵢ #{views of user i with value ≤ q̂} / Σᵢ #{views of user i} is a
//      ratio of per-user sums, so its variance σ_F² comes from ratioEstimate on
//      the per-user (count ≤ q̂, count) pairs — this is where clustering enters.
//   3. The interval for F is p ± z·σ_F; mapping it back through the arm's
//      quantile function gives [Q̂(p − z σ_F), Q̂(p + z σ_F)] for the quantile.
//   4. The implied standard error of q̂ is (upper − lower) / (2z) with z = z_0.975;
//      differences between arms then use an ordinary z test.
// The database therefore provides, per arm: q̂, the indicator Ratio sums, and
// the quantile function on a small grid of levels around p (e.g. p ± 0.001,
// 0.0025, 0.005, 0.01, 0.02); Q̂ between grid points is linear interpolation.
import { assembleComparison, degenerateComparison } from "./compare";
import { normalQuantile, resolveOptions } from "./dist";
import { AnalysisInputError, requireFinite, requireInRange } from "./errors";
import { ratioEstimate } from "./ratio";
import type { ArmSummary, Comparison, Options, Ratio } from "./types";

export type QuantileSummary = {
  /** Quantile level p in (0, 1), e.g. 0.95. */
  level: number;
  /** Sample quantile of all the arm's page-view values at `level`. */
  estimate: number;
  /** Per user: x = #views with value ≤ estimate, y = #views; n = users. */
  indicator: Ratio;
  /** The arm's quantile function at levels around `level`, ascending (include `level` itself or not). */
  quantiles: { level: number; value: number }[];
};

export type QuantileInterval = {
  n: number;
  estimate: number;
  lower: number;
  upper: number;
  /** Implied standard error of the quantile estimate. */
  standardError: number;
  /** True if p ± zσ fell outside the supplied grid and Q̂ was extrapolated linearly. */
  extrapolated: boolean;
};

const Z = normalQuantile(0.975);

function interpolate(grid: { level: number; value: number }[], p: number): { value: number; extrapolated: boolean } {
  const last = grid.length - 1;
  let i = 0;
  while (i < last - 1 && grid[i + 1].level < p) i++;
  const a = grid[i];
  const b = grid[i + 1];
  const value = a.value + ((b.value - a.value) * (p - a.level)) / (b.level - a.level);
  return { value, extrapolated: p < grid[0].level || p > grid[last].level };
}

function checkSummary(q: QuantileSummary, field: string): { level: number; value: number }[] {
  requireInRange(q.level, `${field}.level`, 0, 1, true);
  requireFinite(q.estimate, `${field}.estimate`);
  if (!Array.isArray(q.quantiles)) throw new AnalysisInputError("not-finite", `${field}.quantiles`, "must be an array");
  const grid = q.quantiles.map((g, i) => ({
    level: requireInRange(g.level, `${field}.quantiles[${i}].level`, 0, 1),
    value: requireFinite(g.value, `${field}.quantiles[${i}].value`),
  }));
  if (!grid.some((g) => g.level === q.level)) grid.push({ level: q.level, value: q.estimate });
  grid.sort((a, b) => a.level - b.level);
  for (let i = 1; i < grid.length; i++) {
    if (grid[i].level === grid[i - 1].level) throw new AnalysisInputError("inconsistent", `${field}.quantiles`, "levels must be distinct");
    if (grid[i].value < grid[i - 1].value) throw new AnalysisInputError("inconsistent", `${field}.quantiles`, "values must not decrease with level");
  }
  return grid;
}

/** Woodruff interval for one arm's quantile with clustered variance. null when it cannot be formed. */
export function quantileInterval(q: QuantileSummary, field = "summary"): QuantileInterval | null {
  const grid = checkSummary(q, field);
  const est = ratioEstimate(q.indicator, `${field}.indicator`);
  if (!est || q.indicator.n < 2 || grid.length < 2) return null;
  const sigmaF = Math.sqrt(est.varianceOfRatio);
  // Centre on p, the level the DB estimated at; F̂(q̂) differs from p only by ties/discreteness.
  const lo = interpolate(grid, Math.max(0, q.level - Z * sigmaF));
  const hi = interpolate(grid, Math.min(1, q.level + Z * sigmaF));
  return {
    n: q.indicator.n,
    estimate: q.estimate,
    lower: lo.value,
    upper: hi.value,
    standardError: (hi.value - lo.value) / (2 * Z),
    extrapolated: lo.extrapolated || hi.extrapolated,
  };
}

export type PercentileComparison = Comparison & { controlInterval: QuantileInterval | null; treatmentInterval: QuantileInterval | null };

/** Difference of a percentile between arms: z test on the Woodruff-implied standard errors. */
export function percentileTest(control: QuantileSummary, treatment: QuantileSummary, opts?: Options): PercentileComparison {
  const o = resolveOptions(opts);
  if (control.level !== treatment.level) {
    throw new AnalysisInputError("inconsistent", "treatment.level", "both arms must use the same quantile level");
  }
  const ic = quantileInterval(control, "control");
  const it = quantileInterval(treatment, "treatment");
  const arm = (q: QuantileSummary, i: QuantileInterval | null): ArmSummary => ({
    n: q.indicator.n,
    mean: q.estimate,
    variance: i ? i.n * i.standardError ** 2 : 0,
  });
  const c = arm(control, ic);
  const t = arm(treatment, it);
  const extra = { controlInterval: ic, treatmentInterval: it };
  if (c.n === 0 || t.n === 0) return { ...degenerateComparison(c, t, "empty-arm"), ...extra };
  if (!ic || !it) return { ...degenerateComparison(c, t, "insufficient-data"), ...extra };
  const cmp = assembleComparison({
    control: c,
    treatment: t,
    varMeanC: ic.standardError ** 2,
    varMeanT: it.standardError ** 2,
    reference: { kind: "normal" },
    opts: o,
  });
  return { ...cmp, ...extra };
}
