// Regression tests of issue 14 (Statistics II) against analysis/fixtures/stats2.json, which
// analysis/fixtures/generate_stats2.py computes independently (exact sums / mpmath / fractions).
import { describe, expect, it } from "vitest";
import stats2 from "../../fixtures/analysis/stats2.json";
import { expectClose, type FixtureNumber } from "../../helpers/analysis/helpers";
import { bayesianMeans, bayesianProportions, cupedTest, sequentialTest, twoProportionTest, welchTTest } from "@analysis";
import { proportionToMean } from "@analysis/summary";
import { mulberry32 } from "../../helpers/analysis/random";
import type { Alternative, Interval, ShiftedMean } from "@analysis";

type Any = Record<string, never>;
const ref = stats2 as unknown as { bayes: Any[]; unpooled: Any[]; relative: Record<string, Any[]>; precision: Any[] };
const n = (x: unknown) => x as FixtureNumber;

describe("defects 1–2: bayesianProportions vs Evan Miller's exact sums (60 digits)", () => {
  it.each(ref.bayes)("$control vs $treatment", (c) => {
    const r = bayesianProportions(c.control, c.treatment);
    expectClose(r.chanceToBeatControl, n(c.chanceToBeatControl), 0, 1e-7, "chance to beat");
    // relative 1e-6 also where the loss is ~1e-12 (the 1 − cdf form lost it there)
    expectClose(r.expectedLoss.treatment, n(c.expectedLossTreatment), 1e-6, 1e-300, "loss of shipping treatment");
    expectClose(r.expectedLoss.control, n(c.expectedLossControl), 1e-6, 1e-300, "loss of shipping control");
  });
});

describe("defect 3: relative lift on a negative baseline divides by |control|", () => {
  it.each(ref.relative.negative)("−2.0 vs −1.8", (c) => {
    const r = welchTTest(c.control, c.treatment);
    expectClose(r.absolute.estimate, n(c.absolute), 1e-9, 0, "absolute");
    expectClose(r.relative.estimate, n(c.relativeEstimate), 1e-9, 0, "relative");
    // same sign as the absolute change
    expect(Math.sign(r.relative.estimate)).toBe(Math.sign(r.absolute.estimate));
    const q = r.relative.upper - r.relative.estimate;
    expectClose(q / (c.relativeSe as number), (r.absolute.upper - r.absolute.estimate) / Math.sqrt(r.control.variance / r.control.n + r.treatment.variance / r.treatment.n), 1e-9, 0, "critical value");
  });
  it("the relative estimate of a degenerate comparison has the sign of the change too", () => {
    const r = welchTTest({ n: 1, sum: -2, sumSquares: 4 }, { n: 1, sum: -1.8, sumSquares: 3.24 });
    expect(r.degenerate).toBe("insufficient-data");
    expectClose(r.relative.estimate, 0.1, 1e-12);
  });
});

describe("defect 4: relative intervals by the log-ratio delta method (mpmath references)", () => {
  it.each(ref.relative.proportions)("$control vs $treatment", (c) => {
    const r = twoProportionTest(c.control, c.treatment, { pooled: false });
    const e = c.relative as unknown as Record<string, FixtureNumber>;
    expectClose(r.relative.estimate, e.estimate, 1e-12, 0, "estimate");
    expectClose(r.relative.lower, e.lower, 1e-9, 0, "lower");
    expectClose(r.relative.upper, e.upper, 1e-9, 0, "upper");
    expect(r.relative.lower).toBeGreaterThan(-1);
  });
  it("1e5/1 vs 1e5/12: the interval stays above −100 % and excludes 0 like the p-value says", () => {
    const r = twoProportionTest({ n: 1e5, successes: 1 }, { n: 1e5, successes: 12 }, { pooled: false });
    expect(r.relative.lower).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(0.05);
  });
  it("the sequential relative confidence sequence is a log-ratio interval too", () => {
    const r = sequentialTest(proportionToMean({ n: 1e5, successes: 1 }), proportionToMean({ n: 1e5, successes: 12 }));
    expect(r.relative.lower).toBeGreaterThan(-1);
    expect(r.relative.upper).toBeGreaterThan(r.relative.estimate);
  });
});

const ALTERNATIVES: Alternative[] = ["two-sided", "greater", "less"];
const excludes = (i: Interval, x: number) => i.lower > x || i.upper < x;

describe("defect 5: p-value and interval agree", () => {
  it.each(ref.unpooled)("pooled: false vs the Wald z: $control vs $treatment ($alternative)", (c) => {
    const r = twoProportionTest(c.control, c.treatment, { alternative: c.alternative as Alternative, pooled: false });
    expectClose(r.statistic, n(c.z), 1e-9, 0, "z");
    expectClose(r.pValue, n(c.pValue), 1e-9, 1e-300, "p");
    const two = twoProportionTest(c.control, c.treatment, { pooled: false });
    expectClose(two.absolute.lower, n(c.waldLower95), 1e-9, 1e-15, "lower");
    expectClose(two.absolute.upper, n(c.waldUpper95), 1e-9, 1e-15, "upper");
  });
  it("the pooled contract stays: 10000/100 vs 100/4 one-sided p = 0.0016 with an interval that includes 0", () => {
    const pooled = twoProportionTest({ n: 10000, successes: 100 }, { n: 100, successes: 4 }, { alternative: "greater" });
    expect(pooled.pValue).toBeLessThan(0.002);
    expect(pooled.absolute.lower).toBeLessThan(0);
    const unpooled = twoProportionTest({ n: 10000, successes: 100 }, { n: 100, successes: 4 }, { alternative: "greater", pooled: false });
    expect(unpooled.pValue).toBeGreaterThan(0.05);
  });
  it("over 3,000 seeded random inputs: p < α exactly when the interval excludes 0 (unpooled proportions, Welch, sequential)", () => {
    const rand = mulberry32(14_005);
    let rejections = 0;
    for (let i = 0; i < 1000; i++) {
      const alpha = [0.01, 0.05, 0.1][i % 3];
      const alternative = ALTERNATIVES[Math.floor(rand() * 3)];
      const nc = 2 + Math.floor(rand() ** 3 * 20000);
      const nt = 2 + Math.floor(rand() ** 3 * 20000);
      const base = rand() * 0.3;
      const lift = (rand() - 0.5) * 0.1;
      const pc = { n: nc, successes: Math.round(nc * base) };
      const pt = { n: nt, successes: Math.min(nt, Math.max(0, Math.round(nt * (base + lift)))) };
      const r = twoProportionTest(pc, pt, { alpha, alternative, pooled: false });
      if (!r.degenerate) expect(r.pValue < alpha, `proportions ${JSON.stringify([pc, pt, alternative, r.pValue, r.absolute])}`).toBe(excludes(r.absolute, 0));
      const sd = 0.5 + rand() * 5;
      const mean = (m: number, k: number) => {
        const s = m * k + (rand() - 0.5) * sd * Math.sqrt(k) * 4;
        return { n: k, sum: s, sumSquares: (s * s) / k + sd * sd * (k - 1) };
      };
      const mc = mean(10, nc);
      const mt = mean(10 + lift * 20, nt);
      const w = welchTTest(mc, mt, { alpha, alternative });
      expect(w.pValue < alpha, "welch").toBe(excludes(w.absolute, 0));
      const s = sequentialTest(mc, mt, { alpha, alternative });
      expect(s.pValue < alpha, `sequential ${JSON.stringify([alternative, s.pValue, s.absolute])}`).toBe(excludes(s.absolute, 0));
      if (r.pValue < alpha) rejections++;
    }
    // the property must be exercised on both sides
    expect(rejections).toBeGreaterThan(100);
    expect(rejections).toBeLessThan(900);
  });
});

describe("defect 6: precision loss is degenerate, never infinite significance", () => {
  type Arm = { raw: ShiftedMean; centred: ShiftedMean; mean: number; variance: number };
  it.each(ref.precision)("values around 1.7e9 with sd 10 (exact Fraction references)", (c) => {
    const control = c.control as unknown as Arm;
    const treatment = c.treatment as unknown as Arm;
    // raw sums: the variance has no correct digit, so no evidence (before: variance 0, p = 0)
    for (const test of [welchTTest, sequentialTest]) {
      const raw = test(control.raw, treatment.raw);
      expect(raw.degenerate).toBe("below-precision");
      expect(raw.pValue).toBe(1);
      expect(raw.absolute.lower).toBe(-Infinity);
    }
    expect(bayesianMeans(control.raw, treatment.raw).degenerate).toBe("below-precision");
    const cuped = { covariateSum: 0, covariateSumSquares: 0, crossSum: 0 };
    expect(cupedTest({ ...control.raw, ...cuped }, { ...treatment.raw, ...cuped }).degenerate).toBe("below-precision");
    // centred by a per-metric constant (what the SQL now sends): the exact answer
    const r = welchTTest(control.centred, treatment.centred);
    expect(r.degenerate).toBeUndefined();
    expectClose(r.control.mean, control.mean, 1e-15, 0, "mean");
    expectClose(r.control.variance, control.variance, 1e-9, 0, "variance c");
    expectClose(r.treatment.variance, treatment.variance, 1e-9, 0, "variance t");
    expectClose(r.statistic, n(c.t), 1e-7, 0, "t");
  });
  it("exact integer sums keep exact zero variance (constant arms, all successes)", () => {
    const big = { n: 1e8, sum: 1e8, sumSquares: 1e8 };
    expect(sequentialTest(big, big).degenerate).toBe("zero-variance");
    expect(welchTTest({ n: 3, sum: 6, sumSquares: 12 }, { n: 2, sum: 6, sumSquares: 18 }).degenerate).toBe("zero-variance");
    // and an integer variance far below double rounding is still exact: 1e8 values of 1e4 and one of 1e4 + 1
    const r = welchTTest({ n: 3, sum: 3 * 1e7 + 1, sumSquares: 3 * 1e14 + 2 * 1e7 + 1 }, { n: 3, sum: 3e7, sumSquares: 3e14 });
    expectClose(r.control.variance, 1 / 3, 1e-15, 0, "exact variance");
  });
});
