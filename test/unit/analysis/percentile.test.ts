// Percentile metrics with page views clustered within users.
import { quantileSorted } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { expectClose } from "../../helpers/analysis/helpers";
import { mulberry32, normalSource } from "../../helpers/analysis/random";
import { normalQuantile } from "@analysis/dist";
import { AnalysisInputError, percentileTest, quantileInterval, ratioEstimate, type QuantileSummary, type Ratio } from "@analysis";

const OFFSETS = [-0.04, -0.02, -0.01, -0.005, -0.0025, -0.001, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04];

/**
 * What the results pipeline computes in the database, done here in memory:
 * q̂, per-user counts of views ≤ q̂ (the indicator Ratio), and a quantile grid.
 * With `clustered = false` every view is its own unit (the naive, wrong analysis).
 */
function summarize(users: number[][], level: number, clustered = true): QuantileSummary {
  const all = users.flat().sort((a, b) => a - b);
  const estimate = quantileSorted(all, level);
  const units = clustered ? users : all.map((v) => [v]);
  const indicator: Ratio = { n: units.length, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 };
  for (const views of units) {
    const x = views.filter((v) => v <= estimate).length;
    const y = views.length;
    indicator.sumX += x;
    indicator.sumY += y;
    indicator.sumX2 += x * x;
    indicator.sumY2 += y * y;
    indicator.sumXY += x * y;
  }
  const quantiles = OFFSETS.map((o) => level + o)
    .filter((p) => p > 0 && p < 1)
    .map((p) => ({ level: p, value: quantileSorted(all, p) }));
  return { level, estimate, indicator, quantiles };
}

/** Load times: a user-level slowness factor shared by all of the user's 1–10 page views. */
function simulateArm(users: number, z: () => number, u: () => number): number[][] {
  return Array.from({ length: users }, () => {
    const slow = 0.6 * z();
    return Array.from({ length: 1 + Math.floor(u() * 10) }, () => Math.exp(6 + slow + 0.4 * z()));
  });
}

describe("quantileInterval (Woodruff with a clustered variance)", () => {
  it("maps p ± z·σ_F through the interpolated quantile function", () => {
    const indicator = { n: 100, sumX: 250, sumY: 500, sumX2: 800, sumY2: 2700, sumXY: 1450 };
    const sigma = Math.sqrt(ratioEstimate(indicator)!.varianceOfRatio);
    // A linear quantile function Q(p) = 100 + 200 p makes the expected interval explicit.
    const q = { level: 0.5, estimate: 200, indicator, quantiles: [0.3, 0.4, 0.6, 0.7].map((p) => ({ level: p, value: 100 + 200 * p })) };
    const r = quantileInterval(q)!;
    const z = normalQuantile(0.975);
    expectClose(r.lower, 100 + 200 * (0.5 - z * sigma), 1e-12);
    expectClose(r.upper, 100 + 200 * (0.5 + z * sigma), 1e-12);
    expectClose(r.standardError, 200 * sigma, 1e-12);
    expect(r.extrapolated).toBe(false);
    const narrow = quantileInterval({
      ...q,
      quantiles: [
        { level: 0.49, value: 198 },
        { level: 0.51, value: 202 },
      ],
    })!;
    expect(narrow.extrapolated).toBe(true);
    expectClose(narrow.standardError, 200 * sigma, 1e-12);
  });

  it("rejects malformed grids", () => {
    const indicator = { n: 10, sumX: 5, sumY: 10, sumX2: 5, sumY2: 10, sumXY: 5 };
    expect(() =>
      quantileInterval({
        level: 0.5,
        estimate: 1,
        indicator,
        quantiles: [
          { level: 0.4, value: 2 },
          { level: 0.6, value: 1 },
        ],
      }),
    ).toThrow(AnalysisInputError);
    expect(() => quantileInterval({ level: 1.5, estimate: 1, indicator, quantiles: [] })).toThrow(AnalysisInputError);
    expect(() => percentileTest({ level: 0.5, estimate: 1, indicator, quantiles: [] }, { level: 0.9, estimate: 1, indicator, quantiles: [] })).toThrow(/same quantile level/);
  });
});

describe("percentileTest calibration with clustered page views (seeded)", () => {
  const SIMS = 800;
  // With ~1,100 views per arm the Woodruff interval at p95 is conservative (about 2.5%
  // rejections; about 5% from ~1,000 users up, checked outside the suite), so the
  // lower bound is looser there. Never anti-conservative: that is what matters.
  for (const [level, minRate] of [
    [0.5, 0.03],
    [0.95, 0.015],
  ] as const) {
    it(`A/A p${level * 100}: ≤ 7% rejections with clustering, far more if views are treated as independent`, () => {
      const u = mulberry32(level === 0.5 ? 21 : 22);
      const z = normalSource(u);
      let clustered = 0,
        naive = 0;
      for (let s = 0; s < SIMS; s++) {
        const c = simulateArm(200, z, u);
        const t = simulateArm(200, z, u);
        if (percentileTest(summarize(c, level), summarize(t, level)).pValue < 0.05) clustered++;
        if (percentileTest(summarize(c, level, false), summarize(t, level, false)).pValue < 0.05) naive++;
      }
      expect(clustered / SIMS).toBeGreaterThanOrEqual(minRate);
      expect(clustered / SIMS).toBeLessThanOrEqual(0.07);
      expect(naive / SIMS).toBeGreaterThan(0.12);
    });
  }

  it("a planted 20% slowdown: the p95 relative interval covers +20% in ~95% of 150 experiments", () => {
    const u = mulberry32(23);
    const z = normalSource(u);
    let covered = 0,
      detected = 0;
    for (let s = 0; s < 150; s++) {
      const c = simulateArm(1000, z, u);
      const t = simulateArm(1000, z, u).map((views) => views.map((v) => v * 1.2));
      const r = percentileTest(summarize(c, 0.95), summarize(t, 0.95));
      if (r.relative.lower <= 0.2 && r.relative.upper >= 0.2) covered++;
      if (r.pValue < 0.05) detected++;
    }
    expect(covered / 150).toBeGreaterThanOrEqual(0.9);
    expect(detected / 150).toBeGreaterThan(0.5);
  });
});
