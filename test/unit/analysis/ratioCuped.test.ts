// CUPED for ratio metrics from summary statistics equals the delta-method regression adjustment
// computed directly on per-user data (linearised values, pooled within-arm OLS slope).
import { describe, expect, it } from "vitest";
import { normalSf } from "@analysis/dist";
import { expectClose } from "../../helpers/analysis/helpers";
import { mulberry32, normalSource } from "../../helpers/analysis/random";
import { cupedTest, ratioCupedTest, type RatioCupedInput } from "@analysis";

type User = { x: number; y: number; xp: number; yp: number };

function summarize(users: User[]): RatioCupedInput {
  const s = (f: (u: User) => number) => users.reduce((a, u) => a + f(u), 0);
  return {
    n: users.length,
    sumX: s((u) => u.x),
    sumY: s((u) => u.y),
    sumX2: s((u) => u.x * u.x),
    sumY2: s((u) => u.y * u.y),
    sumXY: s((u) => u.x * u.y),
    covariate: { n: users.length, sumX: s((u) => u.xp), sumY: s((u) => u.yp), sumX2: s((u) => u.xp * u.xp), sumY2: s((u) => u.yp * u.yp), sumXY: s((u) => u.xp * u.yp) },
    sumXXp: s((u) => u.x * u.xp),
    sumXYp: s((u) => u.x * u.yp),
    sumYXp: s((u) => u.y * u.xp),
    sumYYp: s((u) => u.y * u.yp),
  };
}

/** Clustered errors/requests: a user's error propensity drives both periods. */
function users(n: number, rate: number, seed: number): User[] {
  const rand = mulberry32(seed);
  const z = normalSource(rand);
  const poisson = (m: number) => {
    let k = 0;
    let p = Math.exp(-m);
    let c = p;
    const u = rand();
    while (u > c) {
      p *= m / ++k;
      c += p;
    }
    return k;
  };
  return Array.from({ length: n }, () => {
    const propensity = Math.min(0.9, rate * Math.exp(0.8 * z()));
    const y = 1 + poisson(8);
    const yp = poisson(8);
    let x = 0;
    let xp = 0;
    for (let i = 0; i < y; i++) if (rand() < propensity) x++;
    for (let i = 0; i < yp; i++) if (rand() < propensity) xp++;
    return { x, y, xp, yp };
  });
}

/** The adjustment written out on per-user values. */
function direct(control: User[], treatment: User[]) {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const lin = (us: User[]) => {
    const r = mean(us.map((u) => u.x)) / mean(us.map((u) => u.y));
    const rp = mean(us.map((u) => u.xp)) / mean(us.map((u) => u.yp));
    const my = mean(us.map((u) => u.y));
    const myp = mean(us.map((u) => u.yp));
    return { r, rp, l: us.map((u) => (u.x - r * u.y) / my), m: us.map((u) => (u.xp - rp * u.yp) / myp) };
  };
  const c = lin(control);
  const t = lin(treatment);
  let sxy = 0;
  let sxx = 0;
  for (const a of [c, t]) {
    const ml = mean(a.l);
    const mm = mean(a.m);
    a.l.forEach((l, i) => {
      sxy += (l - ml) * (a.m[i] - mm);
      sxx += (a.m[i] - mm) ** 2;
    });
  }
  const theta = sxy / sxx;
  const all = [...control, ...treatment];
  const rpAll = all.reduce((s, u) => s + u.xp, 0) / all.reduce((s, u) => s + u.yp, 0);
  const variance = (v: number[]) => {
    const m = mean(v);
    return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1);
  };
  const adj = (a: typeof c, n: number) => ({ est: a.r - theta * (a.rp - rpAll), v: variance(a.l.map((l, i) => l - theta * a.m[i])) / n, v0: variance(a.l) / n });
  const ac = adj(c, control.length);
  const at = adj(t, treatment.length);
  const diff = at.est - ac.est;
  const se = Math.sqrt(ac.v + at.v);
  return { theta, diff, se, p: 2 * normalSf(Math.abs(diff / se)), reduction: 1 - (ac.v + at.v) / (ac.v0 + at.v0) };
}

describe("ratioCupedTest", () => {
  const control = users(3000, 0.02, 1);
  const treatment = users(2800, 0.03, 2);

  it("equals the adjustment computed directly on per-user data", () => {
    const r = ratioCupedTest(summarize(control), summarize(treatment));
    const d = direct(control, treatment);
    expectClose(r.theta, d.theta, 1e-9, 0, "theta");
    expectClose(r.absolute.estimate, d.diff, 1e-9, 0, "estimate");
    expectClose((r.absolute.upper - r.absolute.lower) / (2 * 1.959963984540054), d.se, 1e-9, 0, "se");
    expectClose(r.pValue, d.p, 1e-8, 1e-300, "p");
    expectClose(r.varianceReduction, d.reduction, 1e-9, 0, "variance reduction");
    // the propensity carries over between periods: a real reduction, reported
    expect(r.varianceReduction).toBeGreaterThan(0.03);
    expect(r.unadjusted.degenerate).toBeUndefined();
  });

  it("with y = yp = 1 it is CUPED on means (same θ and adjusted difference)", () => {
    const flat = (us: User[]) => us.map((u) => ({ x: u.x, y: 1, xp: u.xp, yp: 1 }));
    const r = ratioCupedTest(summarize(flat(control)), summarize(flat(treatment)));
    const mean = (us: User[]) => {
      const s = summarize(flat(us));
      return { n: s.n, sum: s.sumX, sumSquares: s.sumX2, covariateSum: s.covariate.sumX, covariateSumSquares: s.covariate.sumX2, crossSum: s.sumXXp };
    };
    const m = cupedTest(mean(control), mean(treatment));
    expectClose(r.theta, m.theta, 1e-9, 0, "theta");
    expectClose(r.absolute.estimate, m.absolute.estimate, 1e-9, 0, "estimate");
    expectClose(r.varianceReduction, m.varianceReduction, 1e-9, 0, "reduction");
  });

  it("no pre-period: the unadjusted ratio test, θ = 0", () => {
    const none = (us: User[]) => us.map((u) => ({ ...u, xp: 0, yp: 0 }));
    const r = ratioCupedTest(summarize(none(control)), summarize(none(treatment)));
    expect(r.theta).toBe(0);
    expect(r.pValue).toBe(r.unadjusted.pValue);
  });
});
