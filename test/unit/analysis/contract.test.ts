// The issue-5 contract: names and shapes analysts script against.
import { describe, expect, expectTypeOf, it } from "vitest";
import * as api from "@analysis";
import type { Comparison, Interval, Mean, Options, Proportion, Ratio } from "@analysis";

describe("public contract", () => {
  it("exports the contract functions", () => {
    for (const name of ["twoProportionTest", "welchTTest", "ratioTest", "sequentialTest", "mannWhitneyU", "srmTest", "adjustPValues"] as const) {
      expect(typeof api[name]).toBe("function");
    }
    expect(typeof api.sequentialFromEstimate).toBe("function");
    expect(new api.AnalysisInputError("negative", "x", "m")).toBeInstanceOf(Error);
  });

  it("has the contract shapes", () => {
    expectTypeOf<Proportion>().toEqualTypeOf<{ n: number; successes: number }>();
    expectTypeOf<Mean>().toEqualTypeOf<{ n: number; sum: number; sumSquares: number }>();
    expectTypeOf<Ratio>().toEqualTypeOf<{ n: number; sumX: number; sumY: number; sumX2: number; sumY2: number; sumXY: number }>();
    expectTypeOf<Interval>().toEqualTypeOf<{ estimate: number; lower: number; upper: number }>();
    expectTypeOf<Options>().toEqualTypeOf<{ alpha?: number; alternative?: "two-sided" | "greater" | "less" }>();
    expectTypeOf<Comparison["absolute"]>().toEqualTypeOf<Interval>();
    expectTypeOf<Comparison["control"]>().toEqualTypeOf<{ n: number; mean: number; variance: number }>();
    expectTypeOf(api.twoProportionTest).returns.toEqualTypeOf<Comparison>();
    expectTypeOf(api.welchTTest).returns.toEqualTypeOf<Comparison>();
    expectTypeOf(api.ratioTest).returns.toEqualTypeOf<Comparison>();
    expectTypeOf(api.sequentialTest).returns.toMatchTypeOf<Comparison>();
    expectTypeOf(api.sequentialTest).parameter(2).toMatchTypeOf<(Options & { tuning?: number }) | undefined>();
    expectTypeOf(api.mannWhitneyU).returns.toMatchTypeOf<{ u: number; z: number; pValue: number }>();
    expectTypeOf(api.srmTest).returns.toMatchTypeOf<{ chiSquare: number; df: number; pValue: number }>();
    expectTypeOf(api.adjustPValues).toEqualTypeOf<(pValues: number[], method: "holm" | "bh") => number[]>();
  });
});
