// Test-only helpers: re-exports the seeded PRNG (./random) and a
// relative-tolerance comparison that understands the fixtures' encoding of ±∞.
import { expect } from "vitest";

export { binomial, mulberry32, normalSource } from "./random";

export type FixtureNumber = number | "Infinity" | "-Infinity" | "NaN";

export function num(x: FixtureNumber): number {
  if (x === "Infinity") return Infinity;
  if (x === "-Infinity") return -Infinity;
  if (x === "NaN") return NaN;
  return x;
}

/** |actual − expected| ≤ rel·|expected| + abs, with exact equality for infinities. */
export function expectClose(actual: number, expected: FixtureNumber, rel = 1e-9, abs = 0, label = ""): void {
  const e = num(expected);
  if (!Number.isFinite(e)) {
    expect(actual, label).toBe(e);
    return;
  }
  const tol = rel * Math.abs(e) + abs;
  if (!(Math.abs(actual - e) <= tol)) {
    expect.fail(`${label}: expected ${e}, got ${actual} (|diff| ${Math.abs(actual - e)} > tol ${tol})`);
  }
}
