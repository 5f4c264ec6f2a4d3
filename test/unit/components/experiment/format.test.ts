import { describe, expect, it } from "vitest";
import { formatAbsolute, formatRelative, isUnbounded } from "@/components/experiment/format";

describe("interval formatting", () => {
  it("never renders [∞, ∞]: a missing or infinite bound is 'unbounded'", () => {
    const open = { estimate: 0.5, lower: null, upper: null };
    expect(formatAbsolute(open, "ms")).toBe("+1 ms [unbounded]");
    expect(formatRelative({ estimate: 0.1, lower: -Infinity, upper: 0.3 })).toBe("+10.0 % [unbounded]");
    expect(formatAbsolute({ estimate: Number.NaN, lower: null, upper: null }, "ms")).toBe("–");
    expect(isUnbounded(open)).toBe(true);
    expect(formatRelative({ estimate: 0.1, lower: 0.05, upper: 0.15 })).toBe("+10.0 % [5.0 %, 15.0 %]");
    expect(isUnbounded({ estimate: 0.1, lower: 0.05, upper: 0.15 })).toBe(false);
    for (const s of [formatAbsolute(open, "share"), formatRelative(open)]) expect(s).not.toMatch(/∞/);
  });
});
