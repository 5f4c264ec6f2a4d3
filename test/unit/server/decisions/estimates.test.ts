// What decide() shows must agree with what it tests (issue 14, defect 5): the always-valid harm
// bound it reports is below a margin m exactly when the always-valid test of "harm < m" rejects.
import { sequentialFromEstimate } from "@analysis";
import { mulberry32 } from "../../../helpers/analysis/random";
import { describe, expect, it } from "vitest";
import { harmContrast, harmUpperBound, upperBoundMultiplier, type ArmEstimate } from "@/server/decisions/estimates";
import type { ResolvedGuardrail } from "@/server/decisions/types";

describe("harm bound ⇔ always-valid p-value", () => {
  it("over 2,000 seeded random arms, margins and tolerance types", () => {
    const rand = mulberry32(14_055);
    let shown = 0;
    for (let i = 0; i < 2000; i++) {
      const alpha = [0.01, 0.05, 0.1][i % 3];
      const tuning = [1000, 5000, 50_000][Math.floor(rand() * 3)];
      const nB = 30 + Math.floor(rand() * 20_000);
      const nC = 30 + Math.floor(rand() * 20_000);
      const value = 0.01 + rand() * 10;
      const unitSd = value * (0.05 + rand() * 2);
      const base: ArmEstimate = { n: nB, value, variance: (unitSd * unitSd) / nB };
      const cand: ArmEstimate = { n: nC, value: value * (1 + (rand() - 0.5) * 0.2), variance: (unitSd * unitSd) / nC };
      const sign = rand() < 0.5 ? 1 : -1;
      const relative = rand() < 0.5;
      const g: ResolvedGuardrail = { metric: "m", tolerance: 0, promotionMargin: 0, toleranceType: relative ? "relative" : "absolute", limit: null };
      const k = upperBoundMultiplier(nB + nC, alpha, tuning);
      const bound = harmUpperBound(base, cand, sign, g, k);
      // a margin near the bound, so both outcomes are exercised (bisection precision: ~1e-13 relative)
      const m = bound + (rand() - 0.5) * Math.abs(bound) * 0.2 + (rand() - 0.5) * 1e-3;
      if (Math.abs(m - bound) < 1e-9 * Math.max(1, Math.abs(bound))) continue;
      const c = harmContrast(base, cand, sign, m, relative);
      const p = sequentialFromEstimate({ estimate: c.estimate, standardError: c.standardError, n: c.n }, { alpha, alternative: "less", tuning }).pValue;
      expect(p < alpha, JSON.stringify({ base, cand, sign, relative, m, bound, p })).toBe(bound < m);
      if (bound < m) shown++;
    }
    expect(shown).toBeGreaterThan(400);
    expect(shown).toBeLessThan(1600);
  });
});

describe("armEstimate: precision", () => {
  it("a variance lost to rounding is insufficient data, never zero variance; a centred Mean keeps it", async () => {
    const { armEstimate } = await import("@/server/decisions/estimates");
    // 5,000 values 1.7e9 + small noise: Σx² − (Σx)²/n cancels to nothing in doubles
    const n = 5000;
    const values = Array.from({ length: n }, (_, i) => 1.7e9 + ((i * 7919) % 21) - 10 + 0.25);
    const raw = { kind: "mean" as const, n, sum: values.reduce((a, b) => a + b, 0), sumSquares: values.reduce((a, b) => a + b * b, 0) };
    expect(armEstimate(raw)).toBe("insufficient_data");
    const k = 1.7e9;
    const centred = { kind: "mean" as const, n, sum: values.reduce((a, b) => a + (b - k), 0), sumSquares: values.reduce((a, b) => a + (b - k) ** 2, 0), shift: k };
    const e = armEstimate(centred);
    expect(typeof e).toBe("object");
    if (typeof e === "object") {
      expect(e.value).toBe(k + centred.sum / n);
      expect(e.variance * n).toBeGreaterThan(30);
    }
  });
});

describe("unitsForBound: sequential sizing for 'users still needed'", () => {
  it("at the returned N the always-valid bound clears 0 in ≈ 80 % of simulated experiments", async () => {
    const { unitsForBound: units } = await import("@/server/decisions/estimates");
    const { normalSource } = await import("../../../helpers/analysis/random");
    for (const [delta, sd, seed] of [
      [0.05, 1, 1],
      [0.002, 0.1, 2],
    ]) {
      const n0 = 400;
      const need = units({ estimate: -delta, standardError: sd / Math.sqrt(n0), n: n0 }, 0.05, 5000)!;
      expect(need).toBeGreaterThan(n0);
      const k = upperBoundMultiplier(need, 0.05, 5000);
      const rand = mulberry32(seed);
      const normal = normalSource(rand);
      let cleared = 0;
      for (let i = 0; i < 4000; i++) if (-delta + (sd / Math.sqrt(need)) * normal() + (k * sd) / Math.sqrt(need) < 0) cleared++;
      // the two-sided-at-2α boundary used for sizing is slightly conservative: 80 % to ~84 %
      expect(cleared / 4000).toBeGreaterThan(0.78);
      expect(cleared / 4000).toBeLessThan(0.86);
    }
    expect(units({ estimate: 0.1, standardError: 0.01, n: 100 }, 0.05, 5000)).toBeNull();
  });
});

describe("relativeChange", () => {
  it("has the sign of the change on a negative baseline (issue 14, defect 3)", async () => {
    const { relativeChange } = await import("@/server/decisions/estimates");
    expect(relativeChange(-2, -1.8)).toBeCloseTo(0.1, 12);
    expect(relativeChange(2, 2.2)).toBeCloseTo(0.1, 12);
    expect(relativeChange(0, 1)).toBeNull();
  });
});
