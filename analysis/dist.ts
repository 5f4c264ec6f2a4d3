// Thin, typed wrappers over stdlib-js distribution functions. stdlib is accurate
// to double precision far into the tails (t sf at df = 3, t = 50; normal quantile
// at 1e-10), which is why nothing here is hand-rolled. Upper tails are always
// computed directly (cdf(-x) for symmetric laws, the upper regularized gamma for
// chi-square) rather than as 1 - cdf, which would cancel to 0 below ~1e-16.
import normal from "@stdlib/stats-base-dists-normal";
import studentT from "@stdlib/stats-base-dists-t";
import beta from "@stdlib/stats-base-dists-beta";
import gammainc from "@stdlib/math-base-special-gammainc";
import betainc from "@stdlib/math-base-special-betainc";
import erfcinv from "@stdlib/math-base-special-erfcinv";
import { AnalysisInputError, requireInRange } from "./errors";
import type { Alternative, Options } from "./types";

export const normalCdf = (x: number): number => normal.cdf(x, 0, 1);
export const normalSf = (x: number): number => normal.cdf(-x, 0, 1);
export const normalPdf = (x: number): number => normal.pdf(x, 0, 1);
// Not normal.quantile: stdlib's normal quantile (v0.3) is off by ~2e-9 relative at
// p = 1e-10, while its erfcinv is accurate to a few ulps there (checked against
// mpmath in the fixtures). Φ⁻¹(p) = −√2 · erfcinv(2p).
export const normalQuantile = (p: number): number => -Math.SQRT2 * erfcinv(2 * p);
export const normalLogCdf = (x: number): number => normal.logcdf(x, 0, 1);

export const tCdf = (x: number, df: number): number => studentT.cdf(x, df);
export const tSf = (x: number, df: number): number => studentT.cdf(-x, df);
export const tQuantile = (p: number, df: number): number => studentT.quantile(p, df);

/** Upper tail of chi-square with k degrees of freedom: Q(k/2, x/2). */
export const chiSquareSf = (x: number, k: number): number => (x <= 0 ? 1 : gammainc(x / 2, k / 2, true, true));

export const betaCdf = (x: number, a: number, b: number): number => beta.cdf(x, a, b);
/** Upper tail of Beta(a, b), computed directly (the upper regularized incomplete beta), never as 1 − cdf. */
export const betaSf = (x: number, a: number, b: number): number => (x <= 0 ? 1 : x >= 1 ? 0 : betainc(x, a, b, true, true));
export const betaPdf = (x: number, a: number, b: number): number => beta.pdf(x, a, b);
export const betaQuantile = (p: number, a: number, b: number): number => beta.quantile(p, a, b);

export type ResolvedOptions = { alpha: number; alternative: Alternative };

const ALTERNATIVES: readonly Alternative[] = ["two-sided", "greater", "less"];

export function resolveOptions(opts: Options | undefined): ResolvedOptions {
  const alpha = opts?.alpha ?? 0.05;
  requireInRange(alpha, "opts.alpha", 0, 1, true);
  const alternative = opts?.alternative ?? "two-sided";
  if (!ALTERNATIVES.includes(alternative)) {
    throw new AnalysisInputError("invalid-option", "opts.alternative", `must be one of ${ALTERNATIVES.join(", ")}`);
  }
  return { alpha, alternative };
}

/** p-value of a statistic with a symmetric null law given by its cdf and sf. */
export function pValueFrom(stat: number, alternative: Alternative, cdf: (x: number) => number, sf: (x: number) => number): number {
  if (alternative === "greater") return sf(stat);
  if (alternative === "less") return cdf(stat);
  return Math.min(1, 2 * sf(Math.abs(stat)));
}

/**
 * Interval around an estimate with a symmetric critical value. One-sided
 * alternatives give one-sided intervals (as scipy does), so the interval
 * excludes the null value exactly when the test rejects.
 */
export function intervalFrom(estimate: number, se: number, alpha: number, alternative: Alternative, quantile: (p: number) => number): { estimate: number; lower: number; upper: number } {
  if (alternative === "two-sided") {
    const c = quantile(1 - alpha / 2);
    return { estimate, lower: estimate - c * se, upper: estimate + c * se };
  }
  const c = quantile(1 - alpha);
  return alternative === "greater" ? { estimate, lower: estimate - c * se, upper: Infinity } : { estimate, lower: -Infinity, upper: estimate + c * se };
}
