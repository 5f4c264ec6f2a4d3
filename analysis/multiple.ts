// Multiple-testing corrections, identical to statsmodels.stats.multitest.multipletests
// (method="holm" and method="fdr_bh"). Output is in the input order.
import { AnalysisInputError, requireInRange } from "./errors";

export type AdjustMethod = "holm" | "bh";

export function adjustPValues(pValues: number[], method: AdjustMethod): number[] {
  if (!Array.isArray(pValues)) throw new AnalysisInputError("not-finite", "pValues", "must be an array");
  if (method !== "holm" && method !== "bh") throw new AnalysisInputError("invalid-option", "method", 'must be "holm" or "bh"');
  pValues.forEach((p, i) => requireInRange(p, `pValues[${i}]`, 0, 1));
  const m = pValues.length;
  // Stable sort of indices by p-value, so ties keep input order (as numpy's mergesort would).
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b] || a - b);
  const adjusted = new Array<number>(m);
  if (method === "holm") {
    // Step-down: the k-th smallest is multiplied by (m − k), then made monotone non-decreasing.
    let running = 0;
    order.forEach((idx, k) => {
      running = Math.max(running, Math.min(1, (m - k) * pValues[idx]));
      adjusted[idx] = running;
    });
  } else {
    // Step-up: p(k) · m / k, then made monotone from the largest down.
    let running = 1;
    for (let k = m - 1; k >= 0; k--) {
      const idx = order[k];
      running = Math.min(running, (pValues[idx] * m) / (k + 1));
      adjusted[idx] = Math.min(1, running);
    }
  }
  return adjusted;
}
