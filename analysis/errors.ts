// Invalid input is rejected loudly instead of propagating NaN into a result that
// could promote or roll back a release. Edge cases that are *valid* input (an
// empty arm, zero variance, ...) are not errors: they get a documented result.

export type AnalysisInputErrorCode =
  | "not-finite" // NaN or ±Infinity
  | "negative" // a count or sum of squares below 0
  | "not-integer" // a count with a fractional part
  | "out-of-range" // e.g. successes > n, alpha outside (0, 1), p-value outside [0, 1]
  | "inconsistent" // summary statistics that no data set can produce (sumSquares < sum²/n)
  | "invalid-option" // an unknown enum value
  | "length-mismatch"; // arrays that must align do not

export class AnalysisInputError extends Error {
  readonly code: AnalysisInputErrorCode;
  /** Dotted path of the offending input, e.g. "control.sumSquares". */
  readonly field: string;

  constructor(code: AnalysisInputErrorCode, field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "AnalysisInputError";
    this.code = code;
    this.field = field;
  }
}

export function requireFinite(value: number, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new AnalysisInputError("not-finite", field, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function requireNonNegative(value: number, field: string): number {
  requireFinite(value, field);
  if (value < 0) throw new AnalysisInputError("negative", field, `must be >= 0, got ${value}`);
  return value;
}

export function requireCount(value: number, field: string): number {
  requireNonNegative(value, field);
  if (!Number.isInteger(value)) throw new AnalysisInputError("not-integer", field, `must be an integer, got ${value}`);
  return value;
}

export function requireInRange(value: number, field: string, lo: number, hi: number, open = false): number {
  requireFinite(value, field);
  const ok = open ? value > lo && value < hi : value >= lo && value <= hi;
  if (!ok) {
    const range = open ? `(${lo}, ${hi})` : `[${lo}, ${hi}]`;
    throw new AnalysisInputError("out-of-range", field, `must be in ${range}, got ${value}`);
  }
  return value;
}
