// Properties of the always-valid test that do not need simulation: agreement of
// p-values with the confidence sequence, the GrowthBook/Waudby-Smith closed form,
// one-sided behaviour and null shifts.
import { describe, expect, it } from "vitest";
import { expectClose } from "../../helpers/analysis/helpers";
import { AnalysisInputError, sequentialFromEstimate, sequentialRho, sequentialTest, welchTTest } from "@analysis";

const mean = (n: number, m: number, sd: number) => ({ n, sum: n * m, sumSquares: n * m * m + (n - 1) * sd * sd });

describe("sequentialFromEstimate", () => {
  it("two-sided: Waudby-Smith eq. 9 half-width and the matching p-value", () => {
    const alpha = 0.05,
      tuning = 5000,
      n = 12000,
      se = 0.3;
    const rho2 = (-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / tuning;
    expectClose(sequentialRho(alpha, tuning) ** 2, rho2, 1e-14);
    const a = n * rho2;
    const half = se * Math.sqrt(((2 * (a + 1)) / a) * Math.log(Math.sqrt(a + 1) / alpha));
    const r = sequentialFromEstimate({ estimate: 1, standardError: se, n }, { alpha, tuning });
    expectClose(r.interval.upper - r.interval.estimate, half, 1e-13);
    // At the boundary the p-value equals alpha exactly.
    const b = sequentialFromEstimate({ estimate: half, standardError: se, n }, { alpha, tuning });
    expectClose(b.pValue, alpha, 1e-10);
  });

  it("p ≤ alpha exactly when the sequence excludes the null (two- and one-sided)", () => {
    for (const alternative of ["two-sided", "greater", "less"] as const) {
      for (let est = -3; est <= 3; est += 0.05) {
        const r = sequentialFromEstimate({ estimate: est, standardError: 1, n: 4000, nullValue: 0.2 }, { alternative });
        const excludes = r.interval.lower > 0.2 || r.interval.upper < 0.2;
        const boundary = Math.abs(r.pValue - 0.05) < 1e-9;
        if (!boundary) expect(r.pValue <= 0.05, `${alternative} ${est}`).toBe(excludes);
      }
    }
  });

  it("one-sided bound is where the one-sided p-value equals alpha, and is tighter than two-sided", () => {
    const r = sequentialFromEstimate({ estimate: 2, standardError: 0.5, n: 9000 }, { alternative: "greater" });
    expect(r.interval.upper).toBe(Infinity);
    const at = sequentialFromEstimate({ estimate: 2, standardError: 0.5, n: 9000, nullValue: r.interval.lower }, { alternative: "greater" });
    expectClose(at.pValue, 0.05, 1e-9);
    const two = sequentialFromEstimate({ estimate: 2, standardError: 0.5, n: 9000 });
    expect(r.interval.lower).toBeGreaterThan(two.interval.lower);
    expect(r.pValue).toBeLessThan(two.pValue);
    // Wrong direction: no evidence.
    const less = sequentialFromEstimate({ estimate: 2, standardError: 0.5, n: 9000 }, { alternative: "less" });
    expect(less.pValue).toBe(1);
  });

  it("is always wider than the fixed-horizon interval", () => {
    for (const n of [100, 1000, 5000, 1e5, 1e7]) {
      const r = sequentialFromEstimate({ estimate: 0, standardError: 1, n });
      expect(r.interval.upper).toBeGreaterThan(1.959963984540054);
    }
  });

  it("p-value is monotone in |z| and never NaN", () => {
    let prev = 1;
    for (let z = 0; z <= 40; z += 0.25) {
      const { pValue } = sequentialFromEstimate({ estimate: z, standardError: 1, n: 1000 }, { alternative: "greater" });
      expect(pValue).toBeLessThanOrEqual(prev);
      expect(Number.isNaN(pValue)).toBe(false);
      prev = pValue;
    }
    expect(prev).toBeLessThan(1e-100);
  });

  it("degenerate inputs have defined results; invalid inputs throw", () => {
    expect(sequentialFromEstimate({ estimate: 1, standardError: 0, n: 10 })).toMatchObject({ pValue: 0, degenerate: "zero-variance" });
    expect(sequentialFromEstimate({ estimate: 0, standardError: 0, n: 10 })).toMatchObject({ pValue: 1, statistic: 0 });
    expect(sequentialFromEstimate({ estimate: 1, standardError: 0, n: 10 }, { alternative: "less" }).pValue).toBe(1);
    expect(sequentialFromEstimate({ estimate: 1, standardError: 1, n: 0 })).toMatchObject({ pValue: 1, degenerate: "empty-arm" });
    expect(() => sequentialFromEstimate({ estimate: NaN, standardError: 1, n: 10 })).toThrow(AnalysisInputError);
    expect(() => sequentialFromEstimate({ estimate: 1, standardError: -1, n: 10 })).toThrow(/standardError/);
    expect(() => sequentialFromEstimate({ estimate: 1, standardError: 1, n: 10 }, { tuning: 0 })).toThrow(AnalysisInputError);
  });
});

describe("sequentialTest", () => {
  it("uses the Welch standard error and total n", () => {
    const c = mean(800, 10, 3),
      t = mean(900, 10.4, 4);
    const w = welchTTest(c, t);
    const r = sequentialTest(c, t, { tuning: 2000 });
    const se = Math.sqrt(9 / 800 + 16 / 900);
    const g = sequentialFromEstimate({ estimate: w.absolute.estimate, standardError: se, n: 1700 }, { tuning: 2000 });
    expectClose(r.pValue, g.pValue, 1e-12);
    expectClose(r.absolute.lower, g.interval.lower, 1e-12);
    expectClose(r.statistic, w.absolute.estimate / se, 1e-12);
    expect(r.pValue).toBeGreaterThan(w.pValue);
    expect(r.relative.lower).toBeLessThan(w.relative.lower);
  });

  it("tests against a tolerance: H0 treatment − control = nullDifference", () => {
    const c = mean(5000, 1, 1),
      t = mean(5000, 1.02, 1);
    // Non-inferiority style: is treatment worse by less than 0.1? (alternative "less" than +0.1)
    const r = sequentialTest(c, t, { alternative: "less", nullDifference: 0.1 });
    expect(r.nullDifference).toBe(0.1);
    expectClose(r.statistic, (0.02 - 0.1) / Math.sqrt(2 / 5000), 1e-9);
    expect(r.pValue).toBeLessThan(0.05);
    expect(r.absolute.upper).toBeLessThan(0.1);
    expect(sequentialTest(c, t, { alternative: "less", nullDifference: 0.02 }).pValue).toBe(1);
  });

  it("edge cases: empty, n = 1, constant arms, control mean 0", () => {
    expect(sequentialTest(mean(0, 0, 0), mean(10, 1, 1))).toMatchObject({ pValue: 1, degenerate: "empty-arm" });
    expect(sequentialTest({ n: 1, sum: 2, sumSquares: 4 }, mean(10, 1, 1))).toMatchObject({ pValue: 1, degenerate: "insufficient-data" });
    const k = sequentialTest({ n: 5, sum: 5, sumSquares: 5 }, { n: 5, sum: 10, sumSquares: 20 });
    expect(k).toMatchObject({ pValue: 0, degenerate: "zero-variance", statistic: Infinity });
    const z = sequentialTest(mean(100, 0, 1), mean(100, 0.5, 1));
    expect(z.relativeUndefined).toBe(true);
    expect(z.relative).toEqual({ estimate: Infinity, lower: -Infinity, upper: Infinity });
  });
});
