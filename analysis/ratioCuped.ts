// CUPED for ratio metrics (Σx/Σy per arm, e.g. errors/requests): regression adjustment with a
// pre-period covariate through the delta method, as Statsig and Eppo do. Each unit's influence on
// its arm's ratio R = Σx/Σy is the linearisation l = (x − R·y)/ȳ (so Var(R̂) ≈ Var(l)/n, the
// delta method of ratio.ts); the covariate is a pre-period ratio (xp, yp) with m = (xp − Rp·yp)/ȳp
// (a plain per-unit value is the case yp = 1). θ = pooled within-arm Cov(l, m)/Var(m) and
//     R̂_adj = R̂ − θ·(R̂p_arm − R̂p_all),   Var(R̂_adj) ≈ Var(l − θ·m)/n,
// compared with a z test (normal reference, as ratioTest). All from per-arm sums: the ratio's and
// the covariate's (n, Σ, Σ², Σ cross) and four cross sums Σx·xp, Σx·yp, Σy·xp, Σy·yp.
import { assembleComparison, degenerateComparison } from "./compare";
import { resolveOptions } from "./dist";
import { AnalysisInputError, requireFinite } from "./errors";
import { ratioTest } from "./ratio";
import { checkRatio, covarianceFromSums, varianceFromSums } from "./summary";
import type { Comparison, Options, Ratio } from "./types";

/** A ratio metric's sums, its pre-period covariate's (a Ratio; yp = 1 per unit for a plain value) and the cross sums. */
export type RatioCupedInput = Ratio & {
  covariate: Ratio;
  /** Σ x·xp, Σ x·yp, Σ y·xp, Σ y·yp over units */
  sumXXp: number;
  sumXYp: number;
  sumYXp: number;
  sumYYp: number;
};

export type RatioCupedComparison = Comparison & {
  theta: number;
  /** 1 − Var(adjusted difference)/Var(unadjusted difference) */
  varianceReduction: number;
  unadjusted: Comparison;
};

type Lin = { n: number; r: number; rp: number; varL: number; varM: number; covLM: number };

/** Per-arm linearised variances and covariance, from the sums (the delta method on both ratios). */
function linearise(a: RatioCupedInput, field: string): Lin | null {
  const n = a.n;
  const c = a.covariate;
  if (n < 2 || a.sumY === 0 || c.sumY === 0) return null;
  const my = a.sumY / n;
  const myp = c.sumY / n;
  const r = a.sumX / a.sumY;
  const rp = c.sumX / c.sumY;
  const vx = varianceFromSums(n, a.sumX, a.sumX2, `${field}.sumX2`);
  const vy = varianceFromSums(n, a.sumY, a.sumY2, `${field}.sumY2`);
  const cxy = covarianceFromSums(n, a.sumX, a.sumY, a.sumXY);
  const vxp = varianceFromSums(n, c.sumX, c.sumX2, `${field}.covariate.sumX2`);
  const vyp = varianceFromSums(n, c.sumY, c.sumY2, `${field}.covariate.sumY2`);
  const cxpyp = covarianceFromSums(n, c.sumX, c.sumY, c.sumXY);
  const cov = (s: number, u: number, v: number) => covarianceFromSums(n, u, v, s);
  const varL = Math.max(0, (vx - 2 * r * cxy + r * r * vy) / (my * my));
  const varM = Math.max(0, (vxp - 2 * rp * cxpyp + rp * rp * vyp) / (myp * myp));
  const covLM = (cov(a.sumXXp, a.sumX, c.sumX) - rp * cov(a.sumXYp, a.sumX, c.sumY) - r * cov(a.sumYXp, a.sumY, c.sumX) + r * rp * cov(a.sumYYp, a.sumY, c.sumY)) / (my * myp);
  return { n, r, rp, varL, varM, covLM };
}

function check(a: RatioCupedInput, field: string): void {
  checkRatio(a, field);
  if (a.covariate === null || typeof a.covariate !== "object") throw new AnalysisInputError("not-finite", `${field}.covariate`, "must be a Ratio");
  checkRatio(a.covariate, `${field}.covariate`);
  if (a.covariate.n !== a.n) throw new AnalysisInputError("inconsistent", `${field}.covariate.n`, "must equal n (one covariate per unit)");
  for (const k of ["sumXXp", "sumXYp", "sumYXp", "sumYYp"] as const) requireFinite(a[k], `${field}.${k}`);
}

export function ratioCupedTest(control: RatioCupedInput, treatment: RatioCupedInput, opts?: Options): RatioCupedComparison {
  check(control, "control");
  check(treatment, "treatment");
  const o = resolveOptions(opts);
  const unadjusted = ratioTest(control, treatment, o);
  if (unadjusted.degenerate) return { ...unadjusted, theta: 0, varianceReduction: 0, unadjusted };
  const lc = linearise(control, "control");
  const lt = linearise(treatment, "treatment");
  // no usable pre-period (no covariate denominator): nothing to adjust with
  if (!lc || !lt) return { ...unadjusted, theta: 0, varianceReduction: 0, unadjusted };
  const sxx = (lc.n - 1) * lc.varM + (lt.n - 1) * lt.varM;
  const theta = sxx > 0 ? ((lc.n - 1) * lc.covLM + (lt.n - 1) * lt.covLM) / sxx : 0;
  const rpAll = (control.covariate.sumX + treatment.covariate.sumX) / (control.covariate.sumY + treatment.covariate.sumY);
  const arm = (l: Lin) => ({ n: l.n, mean: l.r - theta * (l.rp - rpAll), variance: Math.max(0, l.varL + theta * theta * l.varM - 2 * theta * l.covLM) });
  const c = arm(lc);
  const t = arm(lt);
  if (c.variance === 0 && t.variance === 0 && c.mean === t.mean) return { ...degenerateComparison(c, t, "zero-variance"), theta, varianceReduction: 0, unadjusted };
  const varMeanC = c.variance / c.n;
  const varMeanT = t.variance / t.n;
  const before = lc.varL / lc.n + lt.varL / lt.n;
  const varianceReduction = before > 0 ? 1 - (varMeanC + varMeanT) / before : 0;
  const adjusted = assembleComparison({ control: c, treatment: t, varMeanC, varMeanT, reference: { kind: "normal" }, opts: o });
  return { ...adjusted, theta, varianceReduction, unadjusted };
}
