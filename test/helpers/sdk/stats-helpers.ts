/** Chi-square helpers for the statistical tests (test-only: imports a stdlib package). */
import chisquare from "@stdlib/stats-base-dists-chisquare";

/** p-value of a goodness-of-fit test of observed counts against equal expected counts. */
export function uniformityPValue(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const expected = total / counts.length;
  let stat = 0;
  for (let i = 0; i < counts.length; i++) stat += (counts[i] - expected) ** 2 / expected;
  return 1 - chisquare.cdf(stat, counts.length - 1);
}

/** p-value of the chi-square independence test of an r x c contingency table. */
export function independencePValue(table: number[][]): number {
  const rows = table.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = table[0].map((_, j) => table.reduce((a, r) => a + r[j], 0));
  const total = rows.reduce((a, b) => a + b, 0);
  let stat = 0;
  for (let i = 0; i < table.length; i++) {
    for (let j = 0; j < cols.length; j++) {
      const expected = (rows[i] * cols[j]) / total;
      stat += (table[i][j] - expected) ** 2 / expected;
    }
  }
  return 1 - chisquare.cdf(stat, (table.length - 1) * (cols.length - 1));
}
