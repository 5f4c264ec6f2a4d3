// Sizes for the always-valid test (sequentialPower.ts), checked by simulating that very test:
// seeded experiments of exactly the planned size, read once at that size (issue 14).
import { describe, expect, it } from "vitest";
import {
  sampleSizeForMeans,
  sequentialBoundary,
  sequentialPowerForMeans,
  sequentialSampleSizeForMeans,
  sequentialSampleSizeForProportions,
  sequentialTest,
  sequentialTuningFor,
  sequentialUsersStillNeeded,
  welchTTest,
  type Alternative,
  type Mean,
} from "@analysis";
import { proportionToMean } from "@analysis/summary";
import { binomial, mulberry32, normalSource } from "../../helpers/analysis/random";

const EXPERIMENTS = 4000;

/** Summary statistics of n normal values (exact law of the mean; χ² of the variance by its normal limit, n ≥ 100). */
function normalSummary(n: number, mean: number, sd: number, normal: () => number): Mean {
  const sum = n * mean + sd * Math.sqrt(n) * normal();
  const chi = Math.max(0, n - 1 + Math.sqrt(2 * (n - 1)) * normal());
  return { n, sum, sumSquares: sd * sd * chi + (sum * sum) / n };
}

function simulatedPower(n: number, mde: number, alternative: Alternative, seed: number): number {
  const rand = mulberry32(seed);
  const normal = normalSource(rand);
  let rejected = 0;
  for (let i = 0; i < EXPERIMENTS; i++) {
    const r = sequentialTest(normalSummary(n, 0, 1, normal), normalSummary(n, mde, 1, normal), { alternative });
    if (r.pValue <= 0.05) rejected++;
  }
  return rejected / EXPERIMENTS;
}

describe("sequential sample size and power", () => {
  it("needs ≈ 2.1× the fixed-horizon n at 0.2 sd; the fixed-horizon n has ≈ 24 % power", () => {
    const fixed = sampleSizeForMeans({ standardDeviation: 1, mde: 0.2 });
    const seq = sequentialSampleSizeForMeans({ standardDeviation: 1, mde: 0.2 });
    expect(seq.control / fixed.control).toBeGreaterThan(1.9);
    expect(seq.control / fixed.control).toBeLessThan(2.2);
    const p = sequentialPowerForMeans({ standardDeviation: 1, mde: 0.2, nControl: fixed.control });
    expect(p).toBeGreaterThan(0.2);
    expect(p).toBeLessThan(0.28);
    // the solved size is the smallest with the target power
    expect(sequentialPowerForMeans({ standardDeviation: 1, mde: 0.2, nControl: seq.exactControl })).toBeCloseTo(0.8, 9);
  });

  it.each([
    { mde: 0.2, alternative: "two-sided" as const, seed: 1 },
    { mde: 0.05, alternative: "two-sided" as const, seed: 2 },
    { mde: 0.1, alternative: "greater" as const, seed: 3 },
  ])("simulated power of sequentialTest at the planned n is 80 % ± 2 points (mde $mde sd, $alternative)", ({ mde, alternative, seed }) => {
    const n = sequentialSampleSizeForMeans({ standardDeviation: 1, mde }, { alternative }).control;
    const p = simulatedPower(n, mde, alternative, seed);
    console.log(`sequential power at n = ${n} per arm (mde ${mde} sd, ${alternative}): ${(p * 100).toFixed(2)} %`);
    expect(Math.abs(p - 0.8)).toBeLessThanOrEqual(0.02);
  });

  it("simulated power at the fixed-horizon n matches the formula (±2 points)", () => {
    const n = sampleSizeForMeans({ standardDeviation: 1, mde: 0.2 }).control;
    const p = simulatedPower(n, 0.2, "two-sided", 4);
    console.log(`sequential power at the fixed-horizon n = ${n} per arm: ${(p * 100).toFixed(2)} %`);
    expect(Math.abs(p - sequentialPowerForMeans({ standardDeviation: 1, mde: 0.2, nControl: n }))).toBeLessThanOrEqual(0.02);
    // while the fixed-horizon test itself has its 80 %
    const rand = mulberry32(5);
    const normal = normalSource(rand);
    let fixed = 0;
    for (let i = 0; i < EXPERIMENTS; i++) if (welchTTest(normalSummary(n, 0, 1, normal), normalSummary(n, 0.2, 1, normal)).pValue <= 0.05) fixed++;
    console.log(`fixed-horizon Welch power there: ${((fixed / EXPERIMENTS) * 100).toFixed(2)} %`);
    expect(Math.abs(fixed / EXPERIMENTS - 0.8)).toBeLessThanOrEqual(0.02);
  });

  it("proportions: simulated power at the planned n is 80 % ± 2 points (10 % baseline, +10 % relative)", () => {
    const size = sequentialSampleSizeForProportions({ baselineRate: 0.1, mde: 0.1, relative: true });
    const rand = mulberry32(6);
    const normal = normalSource(rand);
    let rejected = 0;
    for (let i = 0; i < EXPERIMENTS; i++) {
      const c = { n: size.control, successes: binomial(size.control, 0.1, rand, normal) };
      const t = { n: size.treatment, successes: binomial(size.treatment, 0.11, rand, normal) };
      if (sequentialTest(proportionToMean(c), proportionToMean(t)).pValue <= 0.05) rejected++;
    }
    const p = rejected / EXPERIMENTS;
    console.log(`sequential power for proportions at n = ${size.control} per arm: ${(p * 100).toFixed(2)} %`);
    expect(Math.abs(p - 0.8)).toBeLessThanOrEqual(0.02);
  });

  it("watched at 20 looks up to the planned n (running minimum), power is at least the planned 80 %", () => {
    const n = sequentialSampleSizeForMeans({ standardDeviation: 1, mde: 0.2 }).control;
    const rand = mulberry32(7);
    const normal = normalSource(rand);
    const add = (a: Mean, b: Mean): Mean => ({ n: a.n + b.n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares });
    let rejected = 0;
    const step = Math.ceil(n / 20);
    for (let i = 0; i < 2000; i++) {
      let c: Mean = { n: 0, sum: 0, sumSquares: 0 };
      let t: Mean = { n: 0, sum: 0, sumSquares: 0 };
      for (let look = 1; look <= 20; look++) {
        const k = Math.min(step, n - c.n);
        c = add(c, normalSummary(k, 0, 1, normal));
        t = add(t, normalSummary(k, 0.2, 1, normal));
        if (sequentialTest(c, t).pValue <= 0.05) {
          rejected++;
          break;
        }
      }
    }
    console.log(`sequential power at n = ${n} per arm watched at 20 looks: ${((rejected / 2000) * 100).toFixed(2)} %`);
    expect(rejected / 2000).toBeGreaterThanOrEqual(0.78);
  });

  it("users still needed: from the observed variances, minus the units already in", () => {
    const running = sequentialTest({ n: 500, sum: 0, sumSquares: 499 }, { n: 500, sum: 50, sumSquares: 499 + 5 });
    const r = sequentialUsersStillNeeded(running, 0.2);
    expect(r.required.control).toBe(sequentialSampleSizeForMeans({ standardDeviation: 1, mde: 0.2 }).control);
    expect(r.stillNeeded.control).toBe(r.required.control - 500);
  });

  it("sequentialTuningFor(N) gives the smallest boundary at N of any tuning", () => {
    for (const n of [200, 5000, 120_000]) {
      const tuning = sequentialTuningFor(n);
      const best = sequentialBoundary(n, { tuning });
      expect(tuning / n).toBeGreaterThan(0.8);
      expect(tuning / n).toBeLessThan(1.2);
      for (const other of [n / 4, n / 2, n * 0.9, n * 1.1, n * 2, n * 4]) expect(sequentialBoundary(n, { tuning: other })).toBeGreaterThanOrEqual(best);
    }
  });
});
