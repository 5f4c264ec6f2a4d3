// Welch's unequal-variance t test from summary statistics, as
// scipy.stats.ttest_ind(treatment, control, equal_var=False).
import { assembleComparison, degenerateComparison } from "./compare";
import { resolveOptions } from "./dist";
import { belowPrecision, checkMean, meanSummary } from "./summary";
import type { Comparison, Options, ShiftedMean } from "./types";

/** Welch–Satterthwaite degrees of freedom from the variances of the two means. */
export function welchDf(varMeanC: number, nC: number, varMeanT: number, nT: number): number {
  const num = (varMeanC + varMeanT) ** 2;
  const den = (varMeanC * varMeanC) / (nC - 1) + (varMeanT * varMeanT) / (nT - 1);
  // Both variances 0: the df is 0/0. Report the pooled-test df nC + nT − 2; the
  // result is flagged zero-variance and its p-value does not depend on df.
  return den > 0 ? num / den : nC + nT - 2;
}

export function welchTTest(control: ShiftedMean, treatment: ShiftedMean, opts?: Options): Comparison {
  checkMean(control, "control");
  checkMean(treatment, "treatment");
  const o = resolveOptions(opts);
  const c = meanSummary(control);
  const t = meanSummary(treatment);
  if (c.n === 0 || t.n === 0) return degenerateComparison(c, t, "empty-arm");
  // A variance needs two units per arm; with one the test is undefined.
  if (c.n < 2 || t.n < 2) return degenerateComparison(c, t, "insufficient-data");
  if (belowPrecision(control.n, control.sum, control.sumSquares) || belowPrecision(treatment.n, treatment.sum, treatment.sumSquares)) {
    return degenerateComparison(c, t, "below-precision");
  }

  const varMeanC = c.variance / c.n;
  const varMeanT = t.variance / t.n;
  const df = welchDf(varMeanC, c.n, varMeanT, t.n);
  return assembleComparison({ control: c, treatment: t, varMeanC, varMeanT, reference: { kind: "t", df }, opts: o });
}
