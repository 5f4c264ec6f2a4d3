// The results view shows a p-value next to an interval: they must agree (issue 14, defect 5).
import { mulberry32 } from "../../../helpers/analysis/random";
import { describe, expect, it } from "vitest";
import { compareArms } from "@/server/results/compare";
import type { ArmStats } from "@/server/evidence";

const prop = (n: number, successes: number): ArmStats => ({ kind: "proportion", proportion: { n, successes }, cuped: null });

describe("compareArms: p < α exactly when the shown interval excludes 0", () => {
  it("10000/100 vs 100/4: no 'significant' p next to an interval that includes 0", () => {
    const r = compareArms(prop(10000, 100), prop(100, 4), 0.05)!;
    expect(r.fixed.absolute.lower).toBeLessThan(0);
    expect(r.fixed.pValue).toBeGreaterThan(0.05);
  });
  it("over 1,000 seeded random proportions", () => {
    const rand = mulberry32(14_500);
    let significant = 0;
    for (let i = 0; i < 1000; i++) {
      const nc = 2 + Math.floor(rand() ** 3 * 50_000);
      const nt = 2 + Math.floor(rand() ** 3 * 50_000);
      const base = rand() * 0.2;
      const r = compareArms(prop(nc, Math.round(nc * base)), prop(nt, Math.min(nt, Math.round(nt * base * (0.7 + rand() * 0.6)))), 0.05)!;
      if (r.fixed.degenerate) continue;
      const excludes = r.fixed.absolute.lower > 0 || r.fixed.absolute.upper < 0;
      expect(r.fixed.pValue < 0.05).toBe(excludes);
      if (excludes) significant++;
    }
    expect(significant).toBeGreaterThan(50);
  });
});
