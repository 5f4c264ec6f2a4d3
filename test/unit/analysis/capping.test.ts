// Capping (winsorizing) happens before the summaries: every test then sees the summaries of the
// capped values, unchanged. Capped summaries must equal summaries of capped values (issue 14).
import { describe, expect, it } from "vitest";
import { expectClose } from "../../helpers/analysis/helpers";
import { mulberry32, normalSource } from "../../helpers/analysis/random";
import { cappedMean, cupedTest, sequentialTest, welchTTest, type Mean } from "@analysis";

const z = normalSource(mulberry32(99));
// heavy-tailed revenue: a few whales
const revenue = (n: number, scale: number) => Array.from({ length: n }, () => scale * Math.exp(1.2 * z()));
const control = revenue(2000, 10);
const treatment = revenue(2100, 10.5);
const upper = 120;

/** Summary of an array, written out independently of cappedMean. */
function summaryOf(values: number[]): Mean {
  return { n: values.length, sum: values.reduce((a, b) => a + b, 0), sumSquares: values.reduce((a, b) => a + b * b, 0) };
}

describe("capped summaries", () => {
  const cappedC = control.map((v) => (v > upper ? upper : v));
  const cappedT = treatment.map((v) => (v > upper ? upper : v));

  it("equal the summaries of the capped values, and every test agrees", () => {
    const c = cappedMean(control, { upper });
    const t = cappedMean(treatment, { upper });
    const dc = summaryOf(cappedC);
    const dt = summaryOf(cappedT);
    expect(c.n).toBe(dc.n);
    expectClose(c.sum, dc.sum, 1e-13);
    expectClose(c.sumSquares, dc.sumSquares, 1e-13);
    for (const test of [welchTTest, sequentialTest]) {
      const a = test(c, t);
      const b = test(dc, dt);
      expectClose(a.pValue, b.pValue, 1e-10, 1e-300);
      expectClose(a.absolute.lower, b.absolute.lower, 1e-10);
      expectClose(a.relative.upper, b.relative.upper, 1e-10);
    }
    // capping matters here (the whales dominate the variance)
    expect(welchTTest(summaryOf(control), summaryOf(treatment)).control.variance).toBeGreaterThan(1.3 * welchTTest(c, t).control.variance);
  });

  it("capping commutes with the SQL's centring shift, and with CUPED's covariate", () => {
    const shifted = welchTTest(cappedMean(control, { upper, shift: 30 }), cappedMean(treatment, { upper, shift: 30 }));
    const plain = welchTTest(summaryOf(cappedC), summaryOf(cappedT));
    expectClose(shifted.control.mean, plain.control.mean, 1e-12);
    expectClose(shifted.pValue, plain.pValue, 1e-9);
    const pre = (vs: number[]) => vs.map((v) => Math.min(upper, v * Math.exp(0.3 * z())));
    const arm = (vs: number[], pv: number[]) => {
      const m = cappedMean(vs, { upper });
      const x = cappedMean(pv, { upper });
      const ys = vs.map((v) => Math.min(v, upper));
      const xs = pv.map((v) => Math.min(v, upper));
      return { ...m, covariateSum: x.sum, covariateSumSquares: x.sumSquares, crossSum: ys.reduce((s, y, i) => s + y * xs[i], 0) };
    };
    const pc = pre(control);
    const pt = pre(treatment);
    const r = cupedTest(arm(control, pc), arm(treatment, pt));
    expect(r.varianceReduction).toBeGreaterThan(0.2);
    expect(r.degenerate).toBeUndefined();
  });

  it("rejects an empty cap range", () => {
    expect(() => cappedMean([1], { lower: 2, upper: 1 })).toThrow(/cap.lower/);
  });
});
