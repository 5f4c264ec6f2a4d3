// Shared assembly of a Comparison from two arm summaries and the variances of
// their means. Centralising this keeps edge-case behaviour identical across
// twoProportionTest, welchTTest, ratioTest, cuped and percentile tests.
import { intervalFrom, normalCdf, normalQuantile, normalSf, pValueFrom, type ResolvedOptions, tCdf, tQuantile, tSf } from "./dist";
import type { ArmSummary, Comparison, DegenerateReason, Interval } from "./types";

export type Reference = { kind: "normal" } | { kind: "t"; df: number };

function law(ref: Reference) {
  if (ref.kind === "normal") return { cdf: normalCdf, sf: normalSf, q: normalQuantile };
  const df = ref.df;
  return { cdf: (x: number) => tCdf(x, df), sf: (x: number) => tSf(x, df), q: (p: number) => tQuantile(p, df) };
}

/**
 * Relative lift (mt − mc)/|mc| and an interval for it, given `ci(estimate, se)` on whatever law the
 * test uses. Both means > 0 (every non-negative metric): the delta method on log(mt/mc), se² =
 * VT/mt² + VC/mc², back-transformed, so the interval respects the ratio's range (> −100 %) and is
 * not meaningless at tiny baselines (a rate 1/1e5 vs 12/1e5 gave [−1348 %, +3548 %] on the linear
 * scale). Otherwise (negative control, or a treatment mean ≤ 0) the linear delta method on
 * (mt − mc)/|mc|: dividing by |mc| keeps the sign of the absolute change (as gbstats does), so
 * −2.0 → −1.8 is +10 %, not −10 %.
 */
export function relativeInterval(mc: number, mt: number, varMeanC: number, varMeanT: number, ci: (estimate: number, se: number) => Interval): Interval {
  const estimate = (mt - mc) / Math.abs(mc);
  if (mc > 0 && mt > 0) {
    const log = ci(Math.log(mt / mc), Math.sqrt(varMeanT / (mt * mt) + varMeanC / (mc * mc)));
    return { estimate, lower: Math.expm1(log.lower), upper: Math.expm1(log.upper) };
  }
  const se = Math.sqrt(varMeanT / (mc * mc) + (mt * mt * varMeanC) / (mc * mc * mc * mc));
  return ci(estimate, se);
}

/** The interval used when the relative lift is undefined (control mean 0): uninformative. */
export function undefinedRelative(mt: number): Interval {
  return { estimate: mt === 0 ? 0 : Math.sign(mt) * Infinity, lower: -Infinity, upper: Infinity };
}

/** The documented result when the data cannot support a test at all (empty arm, n ≤ 1, ...). */
export function degenerateComparison(control: ArmSummary, treatment: ArmSummary, reason: DegenerateReason, df?: number): Comparison {
  const diff = treatment.mean - control.mean;
  const result: Comparison = {
    control,
    treatment,
    absolute: { estimate: diff, lower: -Infinity, upper: Infinity },
    relative: { estimate: control.mean === 0 ? undefinedRelative(treatment.mean).estimate : (treatment.mean - control.mean) / Math.abs(control.mean), lower: -Infinity, upper: Infinity },
    statistic: 0,
    pValue: 1,
    degenerate: reason,
  };
  if (control.mean === 0) result.relativeUndefined = true;
  if (df !== undefined) result.df = df;
  return result;
}

/**
 * Test and intervals for treatment − control given the variance of each arm's
 * mean. `statisticSe` lets the pooled two-proportion z test use a different
 * standard error for the statistic than for the intervals.
 */
export function assembleComparison(args: {
  control: ArmSummary;
  treatment: ArmSummary;
  varMeanC: number;
  varMeanT: number;
  reference: Reference;
  opts: ResolvedOptions;
  statisticSe?: number;
}): Comparison {
  const { control, treatment, varMeanC, varMeanT, reference, opts } = args;
  const { cdf, sf, q } = law(reference);
  const diff = treatment.mean - control.mean;
  const se = Math.sqrt(varMeanC + varMeanT);
  const statSe = args.statisticSe ?? se;

  let statistic: number;
  let degenerate: DegenerateReason | undefined;
  if (statSe > 0) {
    statistic = diff / statSe;
  } else {
    // No sampling variability at all: the observed difference is the truth for
    // this data. 0/0 is reported as "no evidence" rather than NaN.
    degenerate = "zero-variance";
    statistic = diff === 0 ? 0 : Math.sign(diff) * Infinity;
  }
  const pValue = pValueFrom(statistic, opts.alternative, cdf, sf);

  const absolute = intervalFrom(diff, se, opts.alpha, opts.alternative, q);
  let relative: Interval;
  let relativeUndefined: true | undefined;
  if (control.mean === 0) {
    relative = undefinedRelative(treatment.mean);
    relativeUndefined = true;
  } else {
    relative = relativeInterval(control.mean, treatment.mean, varMeanC, varMeanT, (e, s) => intervalFrom(e, s, opts.alpha, opts.alternative, q));
  }

  const result: Comparison = { control, treatment, absolute, relative, statistic, pValue };
  if (reference.kind === "t") result.df = reference.df;
  if (degenerate) result.degenerate = degenerate;
  if (relativeUndefined) result.relativeUndefined = true;
  return result;
}
