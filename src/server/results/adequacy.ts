// Whether a comparison may be called "better" or "worse" at all. The tests are asymptotic and
// assume a variance was estimated: on a few dozen units a p99 can collapse to one value per arm
// (interval [101 ms, 101 ms], p < 0.0001) and a rate with no events has no variance. Such a
// comparison is reported as insufficient data (with why), never as a significant result.
import type { Comparison } from "@analysis";

/** Smallest arm on which a comparison is judged (the decision engine's MIN_UNITS_FOR_TESTS). */
export const MIN_UNITS_PER_ARM = 30;

export type ComparisonStatus = "ok" | "insufficient_data";

const DEGENERATE: Record<string, string> = {
  "empty-arm": "an arm has no units",
  "insufficient-data": "too few units to estimate a variance",
  "zero-variance": "no variation in either arm",
  "zero-denominator": "an arm has no requests or page views",
};

const tiny = (width: number, scale: number) => !(width > 1e-9 * Math.max(1, Math.abs(scale)));

/** "ok", or "insufficient_data" with the reason in plain words. */
export function comparisonStatus(
  f: Comparison & { controlInterval?: { standardError: number } | null; treatmentInterval?: { standardError: number } | null },
  names: { control: string; variant: string },
): { status: ComparisonStatus; reason: string | null } {
  const bad = (reason: string) => ({ status: "insufficient_data" as const, reason });
  const nc = f.control.n;
  const nt = f.treatment.n;
  if (nc < MIN_UNITS_PER_ARM || nt < MIN_UNITS_PER_ARM) return bad(`${nc} vs ${nt} units: comparisons start at ${MIN_UNITS_PER_ARM} per arm`);
  if (f.degenerate) return bad(DEGENERATE[f.degenerate] ?? f.degenerate);
  const a = f.absolute;
  if (![a.estimate, a.lower, a.upper, f.pValue].every(Number.isFinite)) return bad("the interval is unbounded (the variance could not be estimated)");
  if (tiny(a.upper - a.lower, a.estimate)) return bad("the interval collapsed to a point: the variance is zero or near zero");
  const se = [f.controlInterval?.standardError, f.treatmentInterval?.standardError];
  if (se.some((s) => s !== undefined && !(s > 0))) return bad(`the percentile of ${se[0] !== undefined && !(se[0]! > 0) ? names.control : names.variant} has no spread: too few distinct values`);
  return { status: "ok", reason: null };
}
