// Sample-ratio-mismatch check: Pearson's chi-square goodness of fit of the
// observed exposure counts against the configured traffic weights
// (scipy.stats.chisquare with expected = total · weight / Σweights).
import { AnalysisInputError, requireFinite, requireNonNegative } from "./errors";
import { chiSquareSf } from "./dist";
import type { DegenerateReason } from "./types";

export type SrmResult = { chiSquare: number; df: number; pValue: number; degenerate?: DegenerateReason };

export function srmTest(observed: number[], weights: number[]): SrmResult {
  if (!Array.isArray(observed) || !Array.isArray(weights)) {
    throw new AnalysisInputError("not-finite", "observed", "observed and weights must be arrays");
  }
  if (observed.length !== weights.length) {
    throw new AnalysisInputError("length-mismatch", "weights", `has ${weights.length} entries, observed has ${observed.length}`);
  }
  if (observed.length < 2) throw new AnalysisInputError("out-of-range", "observed", "needs at least two arms");
  observed.forEach((o, i) => requireNonNegative(o, `observed[${i}]`));
  weights.forEach((w, i) => {
    requireFinite(w, `weights[${i}]`);
    // A zero-weight arm has expected count 0 and any exposure in it is infinitely
    // surprising; callers should drop such arms (or flag any exposure) instead.
    if (w <= 0) throw new AnalysisInputError("out-of-range", `weights[${i}]`, `must be > 0, got ${w}`);
  });
  const df = observed.length - 1;
  const total = observed.reduce((s, o) => s + o, 0);
  if (total === 0) return { chiSquare: 0, df, pValue: 1, degenerate: "empty-arm" };
  const weightSum = weights.reduce((s, w) => s + w, 0);
  let chiSquare = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = (total * weights[i]) / weightSum;
    chiSquare += (observed[i] - expected) ** 2 / expected;
  }
  return { chiSquare, df, pValue: chiSquareSf(chiSquare, df) };
}
