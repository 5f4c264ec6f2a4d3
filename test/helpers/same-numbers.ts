import { expect } from "vitest";

/**
 * Two summaries agree on every number (floating sums to 1e-9 relative: summation order differs
 * between the rollup and the raw-event pass) and on everything else exactly; `served` (how each was
 * served: stored rows, rollup or events) differs by design and is skipped at any depth.
 */
export function expectSameNumbers(a: unknown, b: unknown, path = "$"): void {
  if (typeof a === "number" && typeof b === "number") {
    if (a !== b) expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
    return;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = (o: object) => Object.keys(o).filter((k) => k !== "served");
    expect(keys(a).sort(), path).toEqual(keys(b).sort());
    for (const k of keys(a)) expectSameNumbers((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(a, path).toEqual(b);
}
