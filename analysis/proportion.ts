// Two-proportion z test. By default the statistic uses the pooled variance (the
// null says both arms share one rate), matching statsmodels' proportions_ztest;
// intervals use the unpooled (Wald) standard error, because under the
// alternative the arms' rates differ. The two can then disagree (10000/100 vs
// 100/4: one-sided p = 0.0016 while the interval includes 0). `pooled: false`
// tests with the Wald SE too (statsmodels test_proportions_2indep(method="wald")),
// so p < α exactly when the interval excludes 0: what anything that shows both uses.
import { assembleComparison, degenerateComparison } from "./compare";
import { resolveOptions } from "./dist";
import { checkProportion } from "./summary";
import type { ArmSummary, Comparison, Options, Proportion } from "./types";

function arm(p: Proportion): ArmSummary {
  const rate = p.n === 0 ? 0 : p.successes / p.n;
  // Variance of one unit's 0/1 value with n − 1, as the Comparison contract says.
  const variance = p.n < 2 ? 0 : (p.successes * (1 - rate)) / (p.n - 1);
  return { n: p.n, mean: rate, variance };
}

export type ProportionOptions = Options & { /** default true: pooled-variance statistic (statsmodels proportions_ztest) */ pooled?: boolean };

export function twoProportionTest(control: Proportion, treatment: Proportion, opts?: ProportionOptions): Comparison {
  checkProportion(control, "control");
  checkProportion(treatment, "treatment");
  const o = resolveOptions(opts);
  const c = arm(control);
  const t = arm(treatment);
  if (control.n === 0 || treatment.n === 0) return degenerateComparison(c, t, "empty-arm");

  const pooled = (control.successes + treatment.successes) / (control.n + treatment.n);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  return assembleComparison({
    control: c,
    treatment: t,
    // Wald variance of a rate: p(1 − p)/n (the MLE, as statsmodels' confint_proportions_2indep "wald").
    varMeanC: (c.mean * (1 - c.mean)) / control.n,
    varMeanT: (t.mean * (1 - t.mean)) / treatment.n,
    reference: { kind: "normal" },
    opts: o,
    statisticSe: opts?.pooled === false ? undefined : pooledSe,
  });
}
