import { describe, expect, it } from "vitest";
import { comparisonStatus } from "@/server/results/adequacy";

const arm = (n: number, mean: number, variance: number) => ({ n, mean, variance });
const base = { statistic: 0, pValue: 0.5, relative: { estimate: 0, lower: -0.1, upper: 0.1 } };
const names = { control: "control", variant: "treatment" };

describe("comparisonStatus", () => {
  it("calls a collapsed interval insufficient whatever its p-value (the issue's [101 ms, 101 ms])", () => {
    const f = { ...base, control: arm(50, 60, 0), treatment: arm(50, 161, 0), absolute: { estimate: 101, lower: 101, upper: 101 }, pValue: 1e-9 };
    expect(comparisonStatus(f, names)).toMatchObject({ status: "insufficient_data", reason: expect.stringMatching(/collapsed/) });
  });
  it("needs 30 units per arm, a bounded interval, no degenerate flag, and spread in each percentile", () => {
    const ok = { ...base, control: arm(40, 1, 1), treatment: arm(40, 1.2, 1), absolute: { estimate: 0.2, lower: -0.2, upper: 0.6 } };
    expect(comparisonStatus(ok, names)).toEqual({ status: "ok", reason: null });
    expect(comparisonStatus({ ...ok, control: arm(21, 1, 1), treatment: arm(17, 1, 1) }, names).reason).toMatch(/21 vs 17 units/);
    expect(comparisonStatus({ ...ok, absolute: { estimate: 0.2, lower: -Infinity, upper: Infinity } }, names).reason).toMatch(/unbounded/);
    expect(comparisonStatus({ ...ok, degenerate: "zero-variance" }, names).reason).toMatch(/no variation/);
    expect(comparisonStatus({ ...ok, controlInterval: { standardError: 3 }, treatmentInterval: { standardError: 0 } }, names).reason).toMatch(/treatment has no spread/);
  });
});
