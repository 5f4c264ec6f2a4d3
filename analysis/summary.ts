// Validation of summary-statistic inputs and per-arm descriptive statistics.
// Everything downstream trusts what these functions return.
import { AnalysisInputError, requireCount, requireFinite, requireNonNegative } from "./errors";
import type { ArmSummary, Mean, Proportion, Ratio, ShiftedMean } from "./types";

/** Relative slack for sum-of-squares consistency checks: rounding in a database SUM is not an error. */
const CONSISTENCY_TOLERANCE = 1e-9;

export function checkProportion(p: Proportion, field: string): Proportion {
  if (p === null || typeof p !== "object") throw new AnalysisInputError("not-finite", field, "must be an object");
  requireCount(p.n, `${field}.n`);
  requireCount(p.successes, `${field}.successes`);
  if (p.successes > p.n) {
    throw new AnalysisInputError("out-of-range", `${field}.successes`, `must be <= n (${p.n}), got ${p.successes}`);
  }
  return p;
}

/**
 * Sample variance (n − 1) from n, Σx and Σx². Uses Σx² − Σx·mean, which is the
 * textbook form; it loses relative precision ~ε·(mean/sd)², which is why the
 * database centres large values first (Mean.shift) and why belowPrecision() exists.
 * Integer sums (counts, 0/1 values) are exact, so their n·Σx² − (Σx)² is computed
 * exactly in BigInt arithmetic.
 */
export function varianceFromSums(n: number, sum: number, sumSquares: number, field: string): number {
  if (n < 2) return 0;
  if (integerSums(sum, sumSquares)) {
    const exact = BigInt(n) * BigInt(sumSquares) - BigInt(sum) * BigInt(sum);
    if (exact < BigInt(0)) throw new AnalysisInputError("inconsistent", field, `sum of squares ${sumSquares} is below sum²/n = ${(sum * sum) / n}`);
    return Number(exact) / n / (n - 1);
  }
  const centered = sumSquares - (sum * sum) / n;
  if (centered < -CONSISTENCY_TOLERANCE * Math.max(sumSquares, 1)) {
    throw new AnalysisInputError("inconsistent", field, `sum of squares ${sumSquares} is below sum²/n = ${(sum * sum) / n}`);
  }
  return Math.max(centered, 0) / (n - 1);
}

const integerSums = (sum: number, sumSquares: number) => Number.isSafeInteger(sum) && Number.isSafeInteger(sumSquares);

/**
 * True when Σx² − (Σx)²/n is at or below the rounding floor of the sums: a database SUM of n
 * doubles may be off by up to n·ε·Σx², and the subtraction adds 2ε·Σx², so such a "variance" has no
 * correct digit (values around 1.7e9 with sd 10 give exactly 0). Callers report it as degenerate
 * ("below-precision": no evidence), never as zero variance (which would mean infinite significance).
 * Exact integer sums are never below it.
 */
export function belowPrecision(n: number, sum: number, sumSquares: number): boolean {
  if (n < 2 || sumSquares === 0 || integerSums(sum, sumSquares)) return false;
  return sumSquares - (sum * sum) / n <= (n + 2) * Number.EPSILON * sumSquares;
}

export function checkMean(m: ShiftedMean, field: string): ShiftedMean {
  if (m === null || typeof m !== "object") throw new AnalysisInputError("not-finite", field, "must be an object");
  requireCount(m.n, `${field}.n`);
  requireFinite(m.sum, `${field}.sum`);
  requireNonNegative(m.sumSquares, `${field}.sumSquares`);
  if (m.shift !== undefined) requireFinite(m.shift, `${field}.shift`);
  if (m.n === 0 && (m.sum !== 0 || m.sumSquares !== 0)) {
    throw new AnalysisInputError("inconsistent", `${field}.sum`, "an empty arm must have zero sums");
  }
  varianceFromSums(m.n, m.sum, m.sumSquares, `${field}.sumSquares`);
  return m;
}

export function checkRatio(r: Ratio, field: string): Ratio {
  if (r === null || typeof r !== "object") throw new AnalysisInputError("not-finite", field, "must be an object");
  requireCount(r.n, `${field}.n`);
  requireFinite(r.sumX, `${field}.sumX`);
  requireFinite(r.sumY, `${field}.sumY`);
  requireNonNegative(r.sumX2, `${field}.sumX2`);
  requireNonNegative(r.sumY2, `${field}.sumY2`);
  requireFinite(r.sumXY, `${field}.sumXY`);
  varianceFromSums(r.n, r.sumX, r.sumX2, `${field}.sumX2`);
  varianceFromSums(r.n, r.sumY, r.sumY2, `${field}.sumY2`);
  return r;
}

/** Per-arm n, mean (shift added back) and unit variance of a Mean. */
export function meanSummary(m: ShiftedMean): ArmSummary {
  return {
    n: m.n,
    mean: m.n === 0 ? 0 : (m.shift ?? 0) + m.sum / m.n,
    variance: varianceFromSums(m.n, m.sum, m.sumSquares, "sumSquares"),
  };
}

/** meanSummary, flagged when its variance is below the sums' rounding floor (see belowPrecision). */
export function summarizeMean(m: ShiftedMean, field = "mean"): ArmSummary & { belowPrecision: boolean } {
  checkMean(m, field);
  return { ...meanSummary(m), belowPrecision: belowPrecision(m.n, m.sum, m.sumSquares) };
}

/** A proportion as a Mean of 0/1 values (Σx = Σx² = successes), e.g. to feed sequentialTest. */
export function proportionToMean(p: Proportion): Mean {
  checkProportion(p, "proportion");
  return { n: p.n, sum: p.successes, sumSquares: p.successes };
}

/** Sample covariance (n − 1) from n, Σx, Σy, Σxy. */
export function covarianceFromSums(n: number, sumX: number, sumY: number, sumXY: number): number {
  if (n < 2) return 0;
  return (sumXY - (sumX * sumY) / n) / (n - 1);
}

/**
 * The Mean of per-unit values capped (winsorized) to [lower, upper], optionally centred by `shift`:
 * exactly what the database computes with sum(least(greatest(x, lower), upper) − shift) and the
 * square of it. For tests and for callers that hold per-unit values.
 */
export function cappedMean(values: readonly number[], cap: { lower?: number; upper?: number; shift?: number } = {}): ShiftedMean {
  const lo = cap.lower ?? -Infinity;
  const hi = cap.upper ?? Infinity;
  if (lo > hi) throw new AnalysisInputError("out-of-range", "cap.lower", `must be <= cap.upper (${hi})`);
  const k = cap.shift ?? 0;
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    requireFinite(v, "values");
    const d = Math.min(Math.max(v, lo), hi) - k;
    sum += d;
    sumSquares += d * d;
  }
  return cap.shift === undefined ? { n: values.length, sum, sumSquares } : { n: values.length, sum, sumSquares, shift: k };
}
