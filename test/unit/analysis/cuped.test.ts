// CUPED from summary statistics equals a Welch-type test on the explicitly
// adjusted per-user values y − θ(x − x̄), with θ the pooled within-arm OLS slope.
import { describe, expect, it } from "vitest";
import { expectClose } from "../../helpers/analysis/helpers";
import { mulberry32, normalSource } from "../../helpers/analysis/random";
import { cupedTest, welchTTest, type CupedInput } from "@analysis";

function arm(xs: number[], ys: number[]): CupedInput {
  let sum = 0,
    sumSquares = 0,
    covariateSum = 0,
    covariateSumSquares = 0,
    crossSum = 0;
  xs.forEach((x, i) => {
    const y = ys[i];
    sum += y;
    sumSquares += y * y;
    covariateSum += x;
    covariateSumSquares += x * x;
    crossSum += x * y;
  });
  return { n: xs.length, sum, sumSquares, covariateSum, covariateSumSquares, crossSum };
}

describe("cupedTest", () => {
  const z = normalSource(mulberry32(31));
  const xc = Array.from({ length: 400 }, () => 20 + 5 * z());
  const yc = xc.map((x) => 2 + 0.5 * x + 2 * z());
  const xt = Array.from({ length: 350 }, () => 20 + 5 * z());
  const yt = xt.map((x) => 2.6 + 0.5 * x + 2 * z());

  it("θ is the pooled within-arm slope and the test equals one on adjusted raw values", () => {
    const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
    let sxy = 0,
      sxx = 0;
    for (const [xs, ys] of [
      [xc, yc],
      [xt, yt],
    ]) {
      const mx = mean(xs),
        my = mean(ys);
      xs.forEach((x, i) => {
        sxy += (x - mx) * (ys[i] - my);
        sxx += (x - mx) ** 2;
      });
    }
    const theta = sxy / sxx;
    const r = cupedTest(arm(xc, yc), arm(xt, yt));
    expectClose(r.theta, theta, 1e-9);
    const grand = mean([...xc, ...xt]);
    const adj = (xs: number[], ys: number[]) => {
      const v = ys.map((y, i) => y - theta * (xs[i] - grand));
      return { n: v.length, sum: v.reduce((s, a) => s + a, 0), sumSquares: v.reduce((s, a) => s + a * a, 0) };
    };
    const direct = welchTTest(adj(xc, yc), adj(xt, yt));
    expectClose(r.absolute.estimate, direct.absolute.estimate, 1e-9);
    expectClose(r.statistic, direct.statistic, 1e-8);
    expectClose(r.pValue, direct.pValue, 1e-8);
    expectClose(r.df!, direct.df!, 1e-8);
    expectClose(r.absolute.lower, direct.absolute.lower, 1e-8);
    const unadj = welchTTest(arm(xc, yc), arm(xt, yt));
    expect(r.unadjusted).toEqual(unadj);
    const before = unadj.control.variance / 400 + unadj.treatment.variance / 350;
    const after = direct.control.variance / 400 + direct.treatment.variance / 350;
    expectClose(r.varianceReduction, 1 - after / before, 1e-8);
    // corr² = 2.5² / (2.5² + 2²) ≈ 0.61
    expect(r.varianceReduction).toBeGreaterThan(0.5);
    expect(r.pValue).toBeLessThan(unadj.pValue);
  });

  it("a useless covariate reduces nothing and a constant one is ignored", () => {
    const constant = arm(
      xc.map(() => 3),
      yc,
    );
    const r = cupedTest(
      constant,
      arm(
        xt.map(() => 3),
        yt,
      ),
    );
    expect(r.theta).toBe(0);
    expectClose(r.varianceReduction, 0, 0, 1e-12);
    expectClose(r.absolute.estimate, r.unadjusted.absolute.estimate, 1e-12);
  });
});
