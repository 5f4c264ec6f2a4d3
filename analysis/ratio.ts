// Ratio metrics (errors / requests, load-time sum / page views) analysed with the
// delta method of Deng, Knoblich & Lu (2018), "Applying the Delta Method in
// Metric Analytics", KDD. The unit of randomisation is the user, so the ratio
// Σx/Σy is a ratio of two user-level means and its variance comes from the
// users' (x, y) covariance — treating requests as independent would understate it.
import { assembleComparison, degenerateComparison } from "./compare";
import { resolveOptions } from "./dist";
import { checkRatio, covarianceFromSums, varianceFromSums } from "./summary";
import type { ArmSummary, Comparison, Options, Ratio } from "./types";

export type RatioEstimate = {
  n: number;
  /** Σx / Σy. */
  ratio: number;
  /** Variance of the ratio estimate (delta method). */
  varianceOfRatio: number;
  /** Per-unit linearised variance, n · varianceOfRatio (what sample-size formulas need). */
  unitVariance: number;
};

/**
 * Delta-method variance of mean(x)/mean(y):
 *   Var ≈ (σx²/μy² − 2 μx σxy/μy³ + μx² σy²/μy⁴) / n.
 * Returns null when Σy = 0 (ratio undefined).
 */
export function ratioEstimate(r: Ratio, field = "ratio"): RatioEstimate | null {
  checkRatio(r, field);
  if (r.n === 0 || r.sumY === 0) return null;
  const mx = r.sumX / r.n;
  const my = r.sumY / r.n;
  const vx = varianceFromSums(r.n, r.sumX, r.sumX2, `${field}.sumX2`);
  const vy = varianceFromSums(r.n, r.sumY, r.sumY2, `${field}.sumY2`);
  const cxy = covarianceFromSums(r.n, r.sumX, r.sumY, r.sumXY);
  const unit = vx / (my * my) - (2 * mx * cxy) / (my * my * my) + (mx * mx * vy) / (my * my * my * my);
  // The quadratic form is a variance and cannot be negative except by rounding.
  const unitVariance = Math.max(unit, 0);
  return { n: r.n, ratio: mx / my, varianceOfRatio: unitVariance / r.n, unitVariance };
}

export function ratioTest(control: Ratio, treatment: Ratio, opts?: Options): Comparison {
  checkRatio(control, "control");
  checkRatio(treatment, "treatment");
  const o = resolveOptions(opts);
  const ec = ratioEstimate(control, "control");
  const et = ratioEstimate(treatment, "treatment");
  const arm = (e: RatioEstimate | null, n: number): ArmSummary => (e ? { n, mean: e.ratio, variance: e.unitVariance } : { n, mean: 0, variance: 0 });
  const c = arm(ec, control.n);
  const t = arm(et, treatment.n);
  if (control.n === 0 || treatment.n === 0) return degenerateComparison(c, t, "empty-arm");
  if (control.n < 2 || treatment.n < 2) return degenerateComparison(c, t, "insufficient-data");
  if (!ec || !et) return degenerateComparison(c, t, "zero-denominator");
  return assembleComparison({
    control: c,
    treatment: t,
    varMeanC: ec.varianceOfRatio,
    varMeanT: et.varianceOfRatio,
    reference: { kind: "normal" },
    opts: o,
  });
}
