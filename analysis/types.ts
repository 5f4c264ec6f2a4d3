// Public input/output shapes of the analysis library. The first six names are a
// contract with analysts (issue 5); keep them stable. Inputs are summary
// statistics so the same code serves 100 users or 100 million: a database can
// compute every field with a single GROUP BY.

/** Binary metric per unit: n units, `successes` of which converted. */
export type Proportion = { n: number; successes: number };

/** Continuous metric per unit: count, sum and sum of squares of the per-unit values. */
export type Mean = { n: number; sum: number; sumSquares: number };

/**
 * A Mean whose sums are of x − shift: a database centres large values (epoch timestamps) by a
 * per-metric constant before summing squares, so the sums keep their precision. The mean is
 * shift + sum/n; absent = 0. Every function taking a Mean accepts it.
 */
export type ShiftedMean = Mean & { shift?: number };

/**
 * Ratio of per-unit sums (e.g. errors / requests), with the per-unit numerator x and
 * denominator y. The cross product sumXY is what lets the delta method respect that
 * the requests of one user are not independent.
 */
export type Ratio = { n: number; sumX: number; sumY: number; sumX2: number; sumY2: number; sumXY: number };

export type Interval = { estimate: number; lower: number; upper: number };

export type Alternative = "two-sided" | "greater" | "less";

export type Options = { alpha?: number /* 0.05 */; alternative?: Alternative };

/**
 * Why a result could not be computed the usual way. When `degenerate` is set the
 * result is still fully defined (never NaN); see analysis/README.md for the table.
 */
export type DegenerateReason =
  | "empty-arm" // an arm has no units
  | "insufficient-data" // too few units to estimate a variance (n <= 1 where n - 1 is needed)
  | "zero-variance" // the standard error of the difference is 0
  | "zero-denominator" // a ratio metric has sumY = 0 in an arm
  | "below-precision"; // a variance is below the rounding floor of its sums: no evidence either way

export type ArmSummary = { n: number; mean: number; variance: number };

export type Comparison = {
  control: ArmSummary; // mean = rate for proportions, sumX/sumY for ratios
  treatment: ArmSummary; // variance of one unit's value, with n − 1
  absolute: Interval; // treatment − control
  relative: Interval; // (treatment − control) / |control|; log-ratio delta method when both means > 0 (README)
  statistic: number; // z or t
  df?: number; // for t tests: Welch–Satterthwaite
  pValue: number;
  /** Set when an edge case produced a conventional result; absent for regular results. */
  degenerate?: DegenerateReason;
  /** Set when the relative interval is undefined because the control mean is 0. */
  relativeUndefined?: true;
};
