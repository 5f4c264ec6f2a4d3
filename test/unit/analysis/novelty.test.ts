// Novelty: per-day effects by days since first exposure and the trend test (analysis/novelty.ts),
// against test/fixtures/analysis/novelty.json (generate_novelty.py: numpy/scipy from per-unit values,
// the robust SE by a covariance-matrix route), plus seeded A/A simulations that justify the
// cluster-robust SE over the naive WLS one.
import { describe, expect, it } from "vitest";
import fixtures from "../../fixtures/analysis/novelty.json";
import { expectClose, mulberry32, normalSource } from "../../helpers/analysis/helpers";
import { AnalysisInputError, noveltyEffects, noveltyTrend, noveltyUnitScore, type NoveltyDayInput, type NoveltyKind, type NoveltyTrendPlan } from "@analysis";
import { normalSf } from "@analysis/dist";

type Unit = { reached: number; x: number[]; y?: number[] };
type Arm = "control" | "treatment";

function scoresOf(plan: NoveltyTrendPlan, kind: NoveltyKind, units: Record<Arm, Unit[]>) {
  const out = { control: { n: 0, sumS2: 0 }, treatment: { n: 0, sumS2: 0 } };
  for (const arm of ["control", "treatment"] as const) {
    for (const u of units[arm]) {
      if (u.reached < plan.days[0]) continue;
      const s = noveltyUnitScore(
        plan,
        arm,
        kind,
        u.reached,
        u.x.map((x, day) => ({ day, x, y: u.y?.[day] })),
      );
      out[arm].n++;
      out[arm].sumS2 += s * s;
    }
  }
  return out;
}

describe("noveltyEffects / noveltyTrend against numpy (fixtures/analysis/novelty.json)", () => {
  for (const c of fixtures) {
    it(`${c.kind}: per-day effects, SEs, intervals, WLS slope, naive and cluster-robust SE`, () => {
      const kind = c.kind as NoveltyKind;
      const res = noveltyEffects(kind, c.inputs as NoveltyDayInput[]);
      expect(res.days.map((d) => d.day)).toEqual(c.days.map((d) => d.day));
      res.days.forEach((d, i) => {
        const e = c.days[i];
        const at = `${c.kind} day ${d.day}`;
        expectClose(d.control, e.control, 1e-12, 0, `${at} control`);
        expectClose(d.treatment, e.treatment, 1e-12, 0, `${at} treatment`);
        expectClose(d.effect, e.effect, 1e-10, 1e-14, `${at} effect`);
        expectClose(d.se as number, e.se, 1e-9, 0, `${at} se`);
        expectClose(d.ci.lower, e.lower, 1e-9, 1e-14, `${at} lower`);
        expectClose(d.ci.upper, e.upper, 1e-9, 1e-14, `${at} upper`);
        expectClose(d.relative.estimate, e.relative, 1e-10, 1e-14, `${at} relative`);
        expectClose(d.relative.lower, e.relLower, 1e-9, 1e-14, `${at} relative lower`);
        expectClose(d.relative.upper, e.relUpper, 1e-9, 1e-14, `${at} relative upper`);
        expect(d.used, `${at} used`).toBe(e.used);
      });
      const plan = res.plan as NoveltyTrendPlan;
      expect(plan.days.length).toBe(c.trend.daysUsed);
      const trend = noveltyTrend(plan, scoresOf(plan, kind, c.units as Record<Arm, Unit[]>));
      expectClose(trend.slope, c.trend.slope, 1e-9, 0, "slope");
      expectClose(trend.naiveSe, c.trend.naiveSe, 1e-9, 0, "naive se");
      expectClose(trend.se, c.trend.se, 1e-9, 0, "robust se");
      expectClose(trend.pValue, c.trend.pValue, 1e-7, 1e-300, "p");
      expectClose(trend.fittedFirst, c.trend.fittedFirst, 1e-9, 1e-14, "fitted first");
      expectClose(trend.fittedLast, c.trend.fittedLast, 1e-9, 1e-14, "fitted last");
      // every planted case decays from a positive day-0 lift
      expect(trend.direction).toBe("shrinking");
      expect(trend.trending).toBe(trend.pValue < 0.05);
    });
  }

  it("the mean and proportion cases trend (p < 0.05), the weaker ratio case does not (p = 0.064)", () => {
    const flags = fixtures.map((c) => {
      const kind = c.kind as NoveltyKind;
      const plan = noveltyEffects(kind, c.inputs as NoveltyDayInput[]).plan as NoveltyTrendPlan;
      return noveltyTrend(plan, scoresOf(plan, kind, c.units as Record<Arm, Unit[]>)).trending;
    });
    expect(flags).toEqual([true, true, false]);
  });
});

describe("trend test calibration (seeded A/A, staggered exposures, correlated days)", () => {
  // Units exposed uniformly over the last 15 days; a unit's day values share its level: persistent
  // (exchangeable-like) or drifting (AR(1), ρ = 0.9 per day). Same law in both arms.
  function simulate(seed: number, drift: boolean, experiments: number, units = 4000, days = 14) {
    const u = mulberry32(seed);
    const z = normalSource(u);
    let robust = 0;
    let naive = 0;
    let tested = 0;
    for (let r = 0; r < experiments; r++) {
      const sums: NoveltyDayInput[] = Array.from({ length: days }, (_, day) => ({ day, control: { n: 0, sumX: 0, sumX2: 0 }, treatment: { n: 0, sumX: 0, sumX2: 0 } }));
      const all: Record<Arm, Unit[]> = { control: [], treatment: [] };
      for (let i = 0; i < units; i++) {
        const arm: Arm = u() < 0.5 ? "control" : "treatment";
        const reached = Math.floor(u() * (days + 1)) - 1;
        let level = z();
        const x: number[] = [];
        for (let d = 0; d <= reached; d++) {
          if (drift) level = 0.9 * level + Math.sqrt(1 - 0.81) * z();
          const v = 2 * level + z();
          const s = sums[d][arm];
          s.n++;
          s.sumX += v;
          s.sumX2 += v * v;
          x.push(v);
        }
        all[arm].push({ reached, x });
      }
      const plan = noveltyEffects("mean", sums).plan;
      if (!plan) continue;
      tested++;
      const t = noveltyTrend(plan, scoresOf(plan, "mean", all));
      if (t.pValue < 0.05) robust++;
      if (2 * normalSf(Math.abs(t.slope / t.naiveSe)) < 0.05) naive++;
    }
    return { robust: robust / tested, naive: naive / tested, tested };
  }

  it("the robust SE keeps false trends near 5 %; the naive WLS SE does not (nested, correlated days)", () => {
    const persistent = simulate(16, false, 400);
    const drifting = simulate(17, true, 400);
    console.log(
      `novelty A/A false trends at p < 0.05 over 400 experiments: persistent level robust ${(persistent.robust * 100).toFixed(2)} % (naive ${(persistent.naive * 100).toFixed(2)} %), drifting level robust ${(drifting.robust * 100).toFixed(2)} % (naive ${(drifting.naive * 100).toFixed(2)} %)`,
    );
    expect(persistent.tested).toBe(400);
    for (const s of [persistent, drifting]) {
      expect(s.robust).toBeLessThanOrEqual(0.08);
      expect(s.naive).toBeGreaterThan(0.1);
    }
  }, 60_000);
});

describe("edge cases", () => {
  const arm = (n: number, sumX: number, sumX2 = sumX) => ({ n, sumX, sumX2 });

  it("fewer than 2 days with ≥ 100 units per arm: no trend plan", () => {
    const res = noveltyEffects("proportion", [
      { day: 0, control: arm(500, 100), treatment: arm(500, 150) },
      { day: 1, control: arm(99, 20), treatment: arm(120, 30) },
    ]);
    expect(res.days.map((d) => d.used)).toEqual([true, false]);
    expect(res.plan).toBeNull();
  });

  it("two usable days give a slope but never 'trending' (at least 3 days)", () => {
    const res = noveltyEffects("proportion", [
      { day: 0, control: arm(5000, 1000), treatment: arm(5000, 1500) },
      { day: 1, control: arm(5000, 1000), treatment: arm(5000, 1000) },
    ]);
    const plan = res.plan as NoveltyTrendPlan;
    const t = noveltyTrend(plan, { control: { n: 5000, sumS2: 1e-6 }, treatment: { n: 5000, sumS2: 1e-6 } });
    expect(t.pValue).toBeLessThan(1e-10);
    expect(t.trending).toBe(false);
    expect(noveltyTrend(plan, { control: { n: 5000, sumS2: 1e-6 }, treatment: { n: 5000, sumS2: 1e-6 } }, { minDays: 2 }).trending).toBe(true);
  });

  it("an arm with one unit or a zero control mean: open interval / undefined relative lift, not NaN", () => {
    const res = noveltyEffects("mean", [{ day: 0, control: arm(1, 2, 4), treatment: arm(3, 0, 0) }]);
    expect(res.days[0].se).toBeNull();
    expect(res.days[0].ci).toEqual({ estimate: -2, lower: -Infinity, upper: Infinity });
    const zero = noveltyEffects("mean", [{ day: 0, control: arm(3, 0, 0), treatment: arm(3, 3, 5) }]);
    expect(zero.days[0].relativeUndefined).toBe(true);
  });

  it("rejects invalid input", () => {
    expect(() => noveltyEffects("proportion", [{ day: 0, control: arm(10, 11), treatment: arm(10, 1) }])).toThrow(AnalysisInputError);
    expect(() => noveltyEffects("mean", [{ day: 0, control: arm(10, 10, 1), treatment: arm(10, 1) }])).toThrow(AnalysisInputError);
    expect(() => noveltyEffects("mean", [{ day: 1.5, control: arm(10, 1), treatment: arm(10, 1) }])).toThrow(AnalysisInputError);
    expect(() =>
      noveltyEffects(
        "mean",
        [0, 0].map((day) => ({ day, control: arm(10, 1), treatment: arm(10, 1) })),
      ),
    ).toThrow(AnalysisInputError);
    expect(() => noveltyEffects("percentile" as NoveltyKind, [])).toThrow(AnalysisInputError);
  });
});
