// Mann–Whitney U test with the normal approximation and tie correction, equal to
// scipy.stats.mannwhitneyu(treatment, control, method="asymptotic"). This is the
// one API that takes raw values: ranks cannot be built from summary sums. Use it
// on modest samples (it sorts n log n); at scale prefer the summary-based tests.
import { AnalysisInputError, requireFinite } from "./errors";
import { normalCdf, normalSf, resolveOptions } from "./dist";
import type { Alternative, DegenerateReason } from "./types";

export type MannWhitneyResult = { u: number; z: number; pValue: number; degenerate?: DegenerateReason };

function checkSample(xs: number[], field: string): void {
  if (!Array.isArray(xs)) throw new AnalysisInputError("not-finite", field, "must be an array of numbers");
  for (let i = 0; i < xs.length; i++) requireFinite(xs[i], `${field}[${i}]`);
}

export function mannWhitneyU(control: number[], treatment: number[], opts?: { alternative?: Alternative; continuityCorrection?: boolean }): MannWhitneyResult {
  checkSample(control, "control");
  checkSample(treatment, "treatment");
  const { alternative } = resolveOptions({ alternative: opts?.alternative });
  const cc = (opts?.continuityCorrection ?? true) ? 0.5 : 0;
  const n1 = treatment.length;
  const n2 = control.length;
  if (n1 === 0 || n2 === 0) return { u: 0, z: 0, pValue: 1, degenerate: "empty-arm" };

  // Midranks of the pooled sample; tie groups feed the variance correction.
  const pooled = treatment.map((v) => ({ v, t: true })).concat(control.map((v) => ({ v, t: false })));
  pooled.sort((a, b) => a.v - b.v);
  const n = n1 + n2;
  let rankSumT = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && pooled[j + 1].v === pooled[i].v) j++;
    const midrank = (i + j) / 2 + 1;
    const size = j - i + 1;
    for (let k = i; k <= j; k++) if (pooled[k].t) rankSumT += midrank;
    tieTerm += size * size * size - size;
    i = j + 1;
  }
  const u = rankSumT - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(sigma > 0)) return { u, z: 0, pValue: 1, degenerate: "zero-variance" }; // every value tied

  // As scipy: the continuity correction moves the statistic 0.5 toward the mean
  // on the side being tested; for two-sided, |U − μ| is shrunk by 0.5.
  const d = u - mu;
  let z: number;
  let pValue: number;
  if (alternative === "greater") {
    z = (d - cc) / sigma;
    pValue = normalSf(z);
  } else if (alternative === "less") {
    z = (d + cc) / sigma;
    pValue = normalCdf(z);
  } else {
    const w = (Math.abs(d) - cc) / sigma;
    z = Math.sign(d) * Math.max(w, 0);
    pValue = Math.min(1, 2 * normalSf(w));
  }
  return { u, z, pValue };
}
