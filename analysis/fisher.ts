// Fisher's exact test for 2×2 tables, for small counts where the z test's normal
// approximation is poor. Same conventions as scipy.stats.fisher_exact: the
// p-value conditions on both margins (hypergeometric law of the top-left cell);
// two-sided sums every table at most as likely as the observed one.
//
// The hypergeometric probabilities come from the ratio recurrence
//   w(k+1)/w(k) = (r1 − k)(c1 − k) / ((k + 1)(r2 − c1 + k + 1)),
// started at the mode and normalised by the total. Each step costs one rounding,
// so relative accuracy is ~support·ε — better than exp(lgamma sums), which loses
// absolute precision of order ε·lgamma(N) — and no extra dependency is needed.
import { AnalysisInputError, requireCount } from "./errors";
import { resolveOptions } from "./dist";
import type { Alternative, DegenerateReason, Proportion } from "./types";
import { checkProportion } from "./summary";

export type FisherResult = {
  /** Sample odds ratio ad/(bc); Infinity when bc = 0; null when a margin is 0. */
  oddsRatio: number | null;
  pValue: number;
  degenerate?: DegenerateReason;
};

/** Tables whose probability is within this relative distance of the observed one count as "as extreme" (as R's fisher.test). */
const RELATIVE_TIE = 1e-7;

/** table = [[a, b], [c, d]]; "greater" means the odds ratio is > 1. */
export function fisherExactTest(table: [[number, number], [number, number]], opts?: { alternative?: Alternative }): FisherResult {
  const { alternative } = resolveOptions({ alternative: opts?.alternative });
  if (!Array.isArray(table) || table.length !== 2 || !table.every((r) => Array.isArray(r) && r.length === 2)) {
    throw new AnalysisInputError("length-mismatch", "table", "must be a 2×2 array");
  }
  const [[a, b], [c, d]] = table;
  [a, b, c, d].forEach((v, i) => requireCount(v, `table[${i >> 1}][${i & 1}]`));
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  if (r1 === 0 || r2 === 0) return { oddsRatio: null, pValue: 1, degenerate: "empty-arm" };
  if (c1 === 0 || b + d === 0) return { oddsRatio: null, pValue: 1, degenerate: "zero-variance" };
  const oddsRatio = b > 0 && c > 0 ? (a * d) / (b * c) : Infinity;

  const lo = Math.max(0, c1 - r2);
  const hi = Math.min(r1, c1);
  const mode = Math.floor(((c1 + 1) * (r1 + 1)) / (r1 + r2 + 2));
  const w = new Float64Array(hi - lo + 1);
  w[mode - lo] = 1;
  for (let k = mode; k < hi; k++) w[k + 1 - lo] = (w[k - lo] * (r1 - k) * (c1 - k)) / ((k + 1) * (r2 - c1 + k + 1));
  for (let k = mode; k > lo; k--) w[k - 1 - lo] = (w[k - lo] * k * (r2 - c1 + k)) / ((r1 - k + 1) * (c1 - k + 1));
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i];

  let tail = 0;
  if (alternative === "less") {
    for (let k = lo; k <= a; k++) tail += w[k - lo];
  } else if (alternative === "greater") {
    for (let k = a; k <= hi; k++) tail += w[k - lo];
  } else {
    const limit = w[a - lo] * (1 + RELATIVE_TIE);
    for (let i = 0; i < w.length; i++) if (w[i] <= limit) tail += w[i];
  }
  return { oddsRatio, pValue: Math.min(1, tail / total) };
}

/** Fisher's exact test of treatment vs control conversion; "greater" means treatment converts more. */
export function fisherExactProportions(control: Proportion, treatment: Proportion, opts?: { alternative?: Alternative }): FisherResult {
  checkProportion(control, "control");
  checkProportion(treatment, "treatment");
  return fisherExactTest(
    [
      [treatment.successes, treatment.n - treatment.successes],
      [control.successes, control.n - control.successes],
    ],
    opts,
  );
}
