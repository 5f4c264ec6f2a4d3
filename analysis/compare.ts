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

/** Relative lift mt/mc − 1 and its delta-method standard error for independent arms. */
export function relativeLift(mc: number, mt: number, varMeanC: number, varMeanT: number): { estimate: number; se: number } {
  const estimate = mt / mc - 1;
  const se = Math.sqrt(varMeanT / (mc * mc) + (mt * mt * varMeanC) / (mc * mc * mc * mc));
  return { estimate, se };
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
    relative: { estimate: control.mean === 0 ? undefinedRelative(treatment.mean).estimate : treatment.mean / control.mean - 1, lower: -Infinity, upper: Infinity },
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
    const rel = relativeLift(control.mean, treatment.mean, varMeanC, varMeanT);
    relative = intervalFrom(rel.estimate, rel.se, opts.alpha, opts.alternative, q);
  }

  const result: Comparison = { control, treatment, absolute, relative, statistic, pValue };
  if (reference.kind === "t") result.df = reference.df;
  if (degenerate) result.degenerate = degenerate;
  if (relativeUndefined) result.relativeUndefined = true;
  return result;
}
