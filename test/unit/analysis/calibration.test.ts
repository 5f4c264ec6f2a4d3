// Calibration by seeded simulation (deterministic: mulberry32 + Box–Muller).
// Tests are fed summary statistics accumulated from simulated per-unit data, so
// thousands of experiments run in well under a second each.
import { describe, expect, it } from "vitest";
import { mulberry32, normalSource } from "../../helpers/analysis/helpers";
import {
  cupedTest,
  mannWhitneyU,
  powerForProportions,
  proportionToMean,
  ratioEstimate,
  ratioTest,
  sampleSizeForMeans,
  sampleSizeForProportions,
  sequentialFromEstimate,
  sequentialTest,
  twoProportionTest,
  welchTTest,
  type Mean,
  type Ratio,
} from "@analysis";

const SIMS = 4000;

function meanOf(n: number, mu: number, sd: number, z: () => number): Mean {
  let sum = 0,
    sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const v = mu + sd * z();
    sum += v;
    sumSquares += v * v;
  }
  return { n, sum, sumSquares };
}

function addMean(a: Mean, b: Mean): Mean {
  return { n: a.n + b.n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}

/** Users with 1–10 requests and a user-specific error propensity (clustered errors). */
function ratioOf(users: number, u: () => number, errorScale = 0.2): Ratio {
  const r: Ratio = { n: users, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 };
  for (let i = 0; i < users; i++) {
    const y = 1 + Math.floor(u() * 10);
    const p = u() * errorScale;
    let x = 0;
    for (let k = 0; k < y; k++) if (u() < p) x++;
    r.sumX += x;
    r.sumY += y;
    r.sumX2 += x * x;
    r.sumY2 += y * y;
    r.sumXY += x * y;
  }
  return r;
}

function rejectionRate(sims: number, once: () => boolean): number {
  let k = 0;
  for (let i = 0; i < sims; i++) if (once()) k++;
  return k / sims;
}

describe("A/A: fixed-horizon tests reject at 5% ± 1%", () => {
  it(`twoProportionTest (${SIMS} experiments of 2 × 500 Bernoulli users)`, () => {
    const u = mulberry32(1);
    const draw = (n: number, p: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) if (u() < p) s++;
      return { n, successes: s };
    };
    const rate = rejectionRate(SIMS, () => twoProportionTest(draw(500, 0.2), draw(500, 0.2)).pValue < 0.05);
    expect(rate).toBeGreaterThanOrEqual(0.04);
    expect(rate).toBeLessThanOrEqual(0.06);
  });

  it(`welchTTest with unequal n and variances (${SIMS} experiments, 12 vs 30 units)`, () => {
    const z = normalSource(mulberry32(2));
    const rate = rejectionRate(SIMS, () => welchTTest(meanOf(12, 5, 1, z), meanOf(30, 5, 3, z)).pValue < 0.05);
    expect(rate).toBeGreaterThanOrEqual(0.04);
    expect(rate).toBeLessThanOrEqual(0.06);
  });

  it(`welchTTest one-sided (${SIMS} experiments)`, () => {
    const z = normalSource(mulberry32(3));
    const rate = rejectionRate(SIMS, () => welchTTest(meanOf(40, 0, 2, z), meanOf(25, 0, 1, z), { alternative: "greater" }).pValue < 0.05);
    expect(rate).toBeGreaterThanOrEqual(0.04);
    expect(rate).toBeLessThanOrEqual(0.06);
  });

  it(`ratioTest on clustered errors/requests (${SIMS} experiments, 2 × 300 users)`, () => {
    const u = mulberry32(4);
    const rate = rejectionRate(SIMS, () => ratioTest(ratioOf(300, u), ratioOf(300, u)).pValue < 0.05);
    expect(rate).toBeGreaterThanOrEqual(0.04);
    expect(rate).toBeLessThanOrEqual(0.06);
  });

  it(`mannWhitneyU with heavy ties (${SIMS} experiments, 2 × 60 values in 0..4)`, () => {
    const u = mulberry32(5);
    const sample = () => Array.from({ length: 60 }, () => Math.floor(u() * 5));
    const rate = rejectionRate(SIMS, () => mannWhitneyU(sample(), sample()).pValue < 0.05);
    expect(rate).toBeGreaterThanOrEqual(0.04);
    expect(rate).toBeLessThanOrEqual(0.06);
  });

  it(`cupedTest (${SIMS} experiments, 2 × 200 users, ρ = 0.8)`, () => {
    const z = normalSource(mulberry32(6));
    const arm = (n: number) => {
      const a = { n, sum: 0, sumSquares: 0, covariateSum: 0, covariateSumSquares: 0, crossSum: 0 };
      for (let i = 0; i < n; i++) {
        const x = 10 + 2 * z();
        const y = 3 + 0.8 * (x - 10) + 1.2 * z();
        a.sum += y;
        a.sumSquares += y * y;
        a.covariateSum += x;
        a.covariateSumSquares += x * x;
        a.crossSum += x * y;
      }
      return a;
    };
    let reduction = 0;
    const rate = rejectionRate(SIMS, () => {
      const r = cupedTest(arm(200), arm(200));
      reduction += r.varianceReduction;
      return r.pValue < 0.05;
    });
    expect(rate).toBeGreaterThanOrEqual(0.04);
    expect(rate).toBeLessThanOrEqual(0.06);
    // corr² = 1.6² / (1.6² + 1.2²) = 0.64
    expect(reduction / SIMS).toBeCloseTo(0.64, 1);
  });
});

describe("A/A: always-valid tests checked at every one of 20 looks reject ≤ 5%", () => {
  const LOOKS = 20;
  const SEQ_SIMS = 2000;

  it(`sequentialTest on means (${SEQ_SIMS} experiments, 100 users/arm per look); naive peeking does not hold`, () => {
    const z = normalSource(mulberry32(7));
    let seqRejections = 0,
      naiveRejections = 0;
    for (let s = 0; s < SEQ_SIMS; s++) {
      let c: Mean = { n: 0, sum: 0, sumSquares: 0 };
      let t: Mean = { n: 0, sum: 0, sumSquares: 0 };
      let seq = false,
        naive = false;
      for (let look = 0; look < LOOKS; look++) {
        c = addMean(c, meanOf(100, 1, 2, z));
        t = addMean(t, meanOf(100, 1, 2, z));
        if (!seq && sequentialTest(c, t).pValue < 0.05) seq = true;
        if (!naive && welchTTest(c, t).pValue < 0.05) naive = true;
      }
      if (seq) seqRejections++;
      if (naive) naiveRejections++;
    }
    console.log(`sequential A/A, 20 looks: ${((seqRejections / SEQ_SIMS) * 100).toFixed(2)} % (naive Welch peeking ${((naiveRejections / SEQ_SIMS) * 100).toFixed(2)} %)`);
    expect(seqRejections / SEQ_SIMS).toBeLessThanOrEqual(0.05);
    expect(naiveRejections / SEQ_SIMS).toBeGreaterThan(0.15); // why the sequential test exists
  });

  it(`one-sided sequential test against a tolerance, truth on the null boundary (${SEQ_SIMS} experiments)`, () => {
    const u = mulberry32(8);
    let rejections = 0;
    for (let s = 0; s < SEQ_SIMS; s++) {
      let c = { n: 0, successes: 0 };
      let t = { n: 0, successes: 0 };
      for (let look = 0; look < LOOKS; look++) {
        let sc = 0,
          st = 0;
        for (let i = 0; i < 150; i++) {
          if (u() < 0.1) sc++;
          if (u() < 0.12) st++;
        }
        c = { n: c.n + 150, successes: c.successes + sc };
        t = { n: t.n + 150, successes: t.successes + st };
        // H0: treatment − control ≥ 0.02 (true difference is exactly 0.02), H1: less.
        if (sequentialTest(proportionToMean(c), proportionToMean(t), { alternative: "less", nullDifference: 0.02 }).pValue < 0.05) {
          rejections++;
          break;
        }
      }
    }
    console.log(`one-sided sequential A/A at the tolerance boundary, 20 looks: ${((rejections / SEQ_SIMS) * 100).toFixed(2)} %`);
    expect(rejections / SEQ_SIMS).toBeLessThanOrEqual(0.05);
  });

  it(`sequentialFromEstimate on a delta-method ratio difference (1000 experiments, 40 users/arm per look)`, () => {
    const u = mulberry32(9);
    let rejections = 0;
    for (let s = 0; s < 1000; s++) {
      const c: Ratio = { n: 0, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 };
      const t: Ratio = { ...c };
      for (let look = 0; look < LOOKS; look++) {
        for (const [acc, inc] of [
          [c, ratioOf(40, u)],
          [t, ratioOf(40, u)],
        ] as const) {
          for (const k of ["n", "sumX", "sumY", "sumX2", "sumY2", "sumXY"] as const) acc[k] += inc[k];
        }
        const ec = ratioEstimate(c)!,
          et = ratioEstimate(t)!;
        const r = sequentialFromEstimate({ estimate: et.ratio - ec.ratio, standardError: Math.sqrt(ec.varianceOfRatio + et.varianceOfRatio), n: c.n + t.n });
        if (r.pValue < 0.05) {
          rejections++;
          break;
        }
      }
    }
    console.log(`sequentialFromEstimate ratio A/A, 20 looks: ${((rejections / 1000) * 100).toFixed(2)} %`);
    expect(rejections / 1000).toBeLessThanOrEqual(0.05);
  });
});

describe("power under a known effect matches the sample-size formula within 3 points", () => {
  it("means: n from sampleSizeForMeans gives 80% power", () => {
    const z = normalSource(mulberry32(10));
    const { control: n } = sampleSizeForMeans({ standardDeviation: 1, mde: 0.2 });
    const rate = rejectionRate(SIMS, () => welchTTest(meanOf(n, 0, 1, z), meanOf(n, 0.2, 1, z)).pValue < 0.05);
    expect(Math.abs(rate - 0.8)).toBeLessThanOrEqual(0.03);
  });

  it("proportions: n from sampleSizeForProportions gives 80% power", () => {
    const u = mulberry32(11);
    const size = sampleSizeForProportions({ baselineRate: 0.1, mde: 0.04 });
    const expected = powerForProportions({ baselineRate: 0.1, mde: 0.04, nControl: size.control });
    const draw = (n: number, p: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) if (u() < p) s++;
      return { n, successes: s };
    };
    const rate = rejectionRate(2000, () => twoProportionTest(draw(size.control, 0.1), draw(size.treatment, 0.14)).pValue < 0.05);
    expect(Math.abs(rate - expected)).toBeLessThanOrEqual(0.03);
  });
});
