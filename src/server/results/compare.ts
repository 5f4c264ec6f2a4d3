// Summary statistics → comparisons (analysis/): fixed-horizon test, always-valid test, CUPED.
import {
  cupedTest,
  percentileTest,
  proportionToMean,
  ratioEstimate,
  ratioTest,
  sequentialFromEstimate,
  sequentialTest,
  summarizeMean,
  twoProportionTest,
  welchTTest,
  type Comparison,
  type CupedInput,
  type Interval,
} from "@analysis";
import type { ArmStats } from "@/server/evidence";

export interface AlwaysValid {
  /** always-valid p-value at this look (valid under continuous monitoring) */
  pValue: number;
  /** confidence sequence on the absolute difference (treatment − control) */
  absolute: Interval;
}

export interface CupedResult {
  absolute: Interval;
  relative: Interval;
  pValue: number;
  theta: number;
  varianceReduction: number;
}

export interface MetricComparison {
  fixed: Comparison;
  alwaysValid: AlwaysValid | null;
  cuped: CupedResult | null;
}

/** Descriptive statistics of one arm for the response (mean = rate / ratio / quantile). */
export function describeArm(s: ArmStats): { n: number; mean: number | null; variance: number | null; views?: number } {
  switch (s.kind) {
    case "proportion": {
      const p = s.proportion.n > 0 ? s.proportion.successes / s.proportion.n : null;
      return { n: s.proportion.n, mean: p, variance: p === null ? null : p * (1 - p) };
    }
    case "mean": {
      if (s.mean.n === 0) return { n: 0, mean: null, variance: null };
      // analysis adds back the SQL's centring shift and flags a variance lost to rounding
      const d = summarizeMean(s.mean);
      return { n: d.n, mean: d.mean, variance: d.n > 1 && !d.belowPrecision ? d.variance : null };
    }
    case "ratio": {
      const e = ratioEstimate(s.ratio);
      return { n: s.ratio.n, mean: e ? e.ratio : null, variance: e ? e.unitVariance : null };
    }
    case "percentile":
      return { n: s.quantile?.indicator.n ?? 0, mean: s.quantile?.estimate ?? null, variance: null, views: s.views };
  }
}

/** Whether the pre-period holds any data at all: without it CUPED has nothing to adjust with. */
function hasPrePeriod(c: CupedInput, t: CupedInput): boolean {
  return c.covariateSumSquares + t.covariateSumSquares > 0;
}

export function compareArms(control: ArmStats, treatment: ArmStats, alpha: number): MetricComparison | null {
  const opts = { alpha };
  if (control.kind === "proportion" && treatment.kind === "proportion") {
    // unpooled: the p-value shown must agree with the interval shown (p < α ⇔ the interval excludes 0)
    const fixed = twoProportionTest(control.proportion, treatment.proportion, { ...opts, pooled: false });
    const seq = sequentialTest(proportionToMean(control.proportion), proportionToMean(treatment.proportion), opts);
    return { fixed, alwaysValid: { pValue: seq.pValue, absolute: seq.absolute }, cuped: cuped(control.cuped, treatment.cuped, alpha) };
  }
  if (control.kind === "mean" && treatment.kind === "mean") {
    const fixed = welchTTest(control.mean, treatment.mean, opts);
    const seq = sequentialTest(control.mean, treatment.mean, opts);
    return { fixed, alwaysValid: { pValue: seq.pValue, absolute: seq.absolute }, cuped: cuped(control.cuped, treatment.cuped, alpha) };
  }
  if (control.kind === "ratio" && treatment.kind === "ratio") {
    const fixed = ratioTest(control.ratio, treatment.ratio, opts);
    const ec = ratioEstimate(control.ratio);
    const et = ratioEstimate(treatment.ratio);
    const alwaysValid = ec && et ? fromEstimate(et.ratio - ec.ratio, Math.sqrt(ec.varianceOfRatio + et.varianceOfRatio), control.ratio.n + treatment.ratio.n, alpha) : null;
    return { fixed, alwaysValid, cuped: null };
  }
  if (control.kind === "percentile" && treatment.kind === "percentile") {
    if (!control.quantile || !treatment.quantile) return null;
    const fixed = percentileTest(control.quantile, treatment.quantile, opts);
    const ic = fixed.controlInterval;
    const it = fixed.treatmentInterval;
    const alwaysValid = ic && it ? fromEstimate(it.estimate - ic.estimate, Math.hypot(ic.standardError, it.standardError), ic.n + it.n, alpha) : null;
    return { fixed, alwaysValid, cuped: null };
  }
  return null;
}

function fromEstimate(estimate: number, standardError: number, n: number, alpha: number): AlwaysValid | null {
  if (!Number.isFinite(standardError) || n < 4) return null;
  const r = sequentialFromEstimate({ estimate, standardError, n }, { alpha });
  return { pValue: r.pValue, absolute: r.interval };
}

function cuped(c: CupedInput | null, t: CupedInput | null, alpha: number): CupedResult | null {
  if (!c || !t || !hasPrePeriod(c, t)) return null;
  const r = cupedTest(c, t, { alpha });
  if (r.degenerate) return null;
  return { absolute: r.absolute, relative: r.relative, pValue: r.pValue, theta: r.theta, varianceReduction: r.varianceReduction };
}
