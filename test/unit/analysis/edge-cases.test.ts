// Every documented edge case of analysis/README.md's table: defined results,
// never NaN; invalid input rejected with AnalysisInputError(code, field).
import { describe, expect, it } from "vitest";
import {
  AnalysisInputError,
  adjustPValues,
  bayesianMeans,
  cupedTest,
  fisherExactProportions,
  mannWhitneyU,
  percentileTest,
  ratioTest,
  sequentialTest,
  srmTest,
  twoProportionTest,
  welchTTest,
} from "@analysis";

/** Fails if any number anywhere in the value is NaN. */
function expectNoNaN(value: unknown, path = "result"): void {
  if (typeof value === "number") expect(Number.isNaN(value), path).toBe(false);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) expectNoNaN(v, `${path}.${k}`);
}

function expectInputError(fn: () => unknown, code: string, field: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AnalysisInputError);
    expect((e as AnalysisInputError).code).toBe(code);
    expect((e as AnalysisInputError).field).toBe(field);
    return;
  }
  expect.fail(`expected AnalysisInputError ${code} on ${field}`);
}

const m = (values: number[]) => ({ n: values.length, sum: values.reduce((s, v) => s + v, 0), sumSquares: values.reduce((s, v) => s + v * v, 0) });

describe("twoProportionTest edge cases", () => {
  it("empty arm", () => {
    const r = twoProportionTest({ n: 0, successes: 0 }, { n: 10, successes: 3 });
    expect(r).toMatchObject({ pValue: 1, statistic: 0, degenerate: "empty-arm", relativeUndefined: true });
    expect(r.absolute).toEqual({ estimate: 0.3, lower: -Infinity, upper: Infinity });
    expectNoNaN(r);
  });
  it("all successes / all failures in both arms: zero variance, p = 1", () => {
    for (const s of [0, 1]) {
      const r = twoProportionTest({ n: 50, successes: 50 * s }, { n: 70, successes: 70 * s });
      expect(r).toMatchObject({ pValue: 1, statistic: 0, degenerate: "zero-variance" });
      expectNoNaN(r);
    }
  });
  it("all failures vs all successes: pooled test works, Wald interval collapses", () => {
    const r = twoProportionTest({ n: 20, successes: 0 }, { n: 20, successes: 20 });
    expect(r.pValue).toBeLessThan(1e-9);
    expect(r.absolute).toEqual({ estimate: 1, lower: 1, upper: 1 });
    expect(r.relativeUndefined).toBe(true);
    expectNoNaN(r);
  });
  it("n = 1 is a valid (if weak) test", () => {
    expectNoNaN(twoProportionTest({ n: 1, successes: 0 }, { n: 1, successes: 1 }));
  });
  it("rejects invalid counts", () => {
    expectInputError(() => twoProportionTest({ n: 10, successes: 11 }, { n: 10, successes: 1 }), "out-of-range", "control.successes");
    expectInputError(() => twoProportionTest({ n: -1, successes: 0 }, { n: 10, successes: 1 }), "negative", "control.n");
    expectInputError(() => twoProportionTest({ n: 10, successes: 1 }, { n: 10.5, successes: 1 }), "not-integer", "treatment.n");
    expectInputError(() => twoProportionTest({ n: NaN, successes: 1 }, { n: 10, successes: 1 }), "not-finite", "control.n");
    expectInputError(() => twoProportionTest({ n: 10, successes: 1 }, { n: Infinity, successes: 1 }), "not-finite", "treatment.n");
    expectInputError(() => twoProportionTest({ n: 10, successes: 1 }, { n: 10, successes: 1 }, { alpha: 1 }), "out-of-range", "opts.alpha");
    // @ts-expect-error: invalid alternative on purpose
    expectInputError(() => twoProportionTest({ n: 10, successes: 1 }, { n: 10, successes: 1 }, { alternative: "bigger" }), "invalid-option", "opts.alternative");
  });
});

describe("welchTTest edge cases", () => {
  it("n ≤ 1 and empty arms", () => {
    expect(welchTTest(m([]), m([1, 2]))).toMatchObject({ degenerate: "empty-arm", pValue: 1 });
    const one = welchTTest(m([5]), m([1, 2, 3]));
    expect(one).toMatchObject({ degenerate: "insufficient-data", pValue: 1, statistic: 0 });
    expect(one.absolute.estimate).toBe(-3);
    expectNoNaN(one);
  });
  it("zero variance in one arm: df = n − 1 of the other", () => {
    const r = welchTTest(m([2, 2, 2, 2]), m([1, 2, 3, 4, 5]));
    expect(r.df).toBeCloseTo(4, 12);
    expect(r.degenerate).toBeUndefined();
  });
  it("zero variance in both arms", () => {
    const same = welchTTest(m([2, 2, 2]), m([2, 2]));
    expect(same).toMatchObject({ pValue: 1, statistic: 0, df: 3, degenerate: "zero-variance" });
    const diff = welchTTest(m([2, 2, 2]), m([3, 3]));
    expect(diff).toMatchObject({ pValue: 0, statistic: Infinity, degenerate: "zero-variance" });
    expect(diff.absolute).toEqual({ estimate: 1, lower: 1, upper: 1 });
    expect(welchTTest(m([2, 2, 2]), m([3, 3]), { alternative: "less" }).pValue).toBe(1);
    expectNoNaN(diff);
  });
  it("control mean 0: relative lift undefined, absolute fine", () => {
    const r = welchTTest(m([-1, 1, 0]), m([1, 2, 3]));
    expect(r.relativeUndefined).toBe(true);
    expect(r.relative).toEqual({ estimate: Infinity, lower: -Infinity, upper: Infinity });
    expect(r.pValue).toBeGreaterThan(0);
    expect(welchTTest(m([-1, 1, 0]), m([-1, 1])).relative.estimate).toBe(0);
  });
  it("rejects impossible summaries", () => {
    expectInputError(() => welchTTest({ n: 3, sum: 30, sumSquares: 10 }, m([1, 2])), "inconsistent", "control.sumSquares");
    expectInputError(() => welchTTest({ n: 0, sum: 1, sumSquares: 1 }, m([1, 2])), "inconsistent", "control.sum");
    expectInputError(() => welchTTest(m([1, 2]), { n: 3, sum: 3, sumSquares: -1 }), "negative", "treatment.sumSquares");
  });
});

describe("ratioTest edge cases", () => {
  const r = (n: number, sx: number, sy: number) => ({ n, sumX: sx, sumY: sy, sumX2: sx * sx, sumY2: sy * sy, sumXY: sx * sy });
  it("zero denominator and n ≤ 1", () => {
    expect(ratioTest(r(10, 0, 0), { n: 10, sumX: 3, sumY: 50, sumX2: 3, sumY2: 300, sumXY: 20 })).toMatchObject({ degenerate: "zero-denominator", pValue: 1 });
    expect(ratioTest(r(1, 1, 5), r(1, 1, 5))).toMatchObject({ degenerate: "insufficient-data" });
    expect(ratioTest(r(0, 0, 0), r(3, 1, 5))).toMatchObject({ degenerate: "empty-arm" });
  });
  it("zero errors in control: relative undefined, test defined", () => {
    const c = { n: 100, sumX: 0, sumY: 1000, sumX2: 0, sumY2: 12000, sumXY: 0 };
    const t = { n: 100, sumX: 10, sumY: 1000, sumX2: 14, sumY2: 12000, sumXY: 120 };
    const res = ratioTest(c, t);
    expect(res.relativeUndefined).toBe(true);
    expect(res.pValue).toBeGreaterThan(0);
    expect(res.pValue).toBeLessThan(0.05);
    expectNoNaN(res);
  });
});

describe("other functions' edge cases", () => {
  it("mannWhitneyU: empty arm, all ties, non-finite values", () => {
    expect(mannWhitneyU([], [1, 2])).toMatchObject({ pValue: 1, degenerate: "empty-arm" });
    expect(mannWhitneyU([3, 3, 3], [3, 3])).toMatchObject({ pValue: 1, z: 0, u: 3, degenerate: "zero-variance" });
    expectInputError(() => mannWhitneyU([1, NaN], [1]), "not-finite", "control[1]");
  });
  it("srmTest: no exposures yet, bad weights, mismatched lengths", () => {
    expect(srmTest([0, 0], [1, 1])).toMatchObject({ pValue: 1, chiSquare: 0, degenerate: "empty-arm" });
    expectInputError(() => srmTest([1, 2], [1, 0]), "out-of-range", "weights[1]");
    expectInputError(() => srmTest([1, 2, 3], [1, 1]), "length-mismatch", "weights");
    expectInputError(() => srmTest([1, -2], [1, 1]), "negative", "observed[1]");
  });
  it("adjustPValues: empty list, out-of-range p", () => {
    expect(adjustPValues([], "holm")).toEqual([]);
    expectInputError(() => adjustPValues([0.1, 1.5], "bh"), "out-of-range", "pValues[1]");
    expectInputError(() => adjustPValues([0.1, NaN], "bh"), "not-finite", "pValues[1]");
  });
  it("fisherExactProportions: empty arm and no successes at all", () => {
    expect(fisherExactProportions({ n: 0, successes: 0 }, { n: 5, successes: 1 })).toMatchObject({ pValue: 1, oddsRatio: null });
    expect(fisherExactProportions({ n: 5, successes: 0 }, { n: 5, successes: 0 })).toMatchObject({ pValue: 1, oddsRatio: null });
    expect(fisherExactProportions({ n: 5, successes: 0 }, { n: 5, successes: 4 }).oddsRatio).toBe(Infinity);
  });
  it("sequential, CUPED, Bayesian and percentile results are never NaN on degenerate input", () => {
    const constant = { n: 4, sum: 8, sumSquares: 16, covariateSum: 4, covariateSumSquares: 4, crossSum: 8 };
    expectNoNaN(sequentialTest(m([2, 2]), m([2, 2, 2])));
    expectNoNaN(cupedTest(constant, constant));
    expectNoNaN(bayesianMeans(m([]), m([])));
    const q = { level: 0.5, estimate: 1, indicator: { n: 0, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 }, quantiles: [] };
    expectNoNaN(percentileTest(q, q));
  });
});
