/** The language-neutral contract: every SDK (and the server) must reproduce cases.json exactly. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evaluate } from "@/sdk/evaluate";
import { bucket, hashUint32 } from "@/sdk/hash";
import type { Assignment, SnapshotExperiment, Unit } from "@/sdk/types";
import { validateExperiment } from "@/sdk/validate";

interface Cases {
  hashVersion: number;
  bucket: { seed: string; unitId: string; hash: number; bucket: number }[];
  evaluate: { name: string; experiment: SnapshotExperiment; unit: Unit; expected: Assignment }[];
}

const cases = JSON.parse(readFileSync(fileURLToPath(new URL("../../../src/sdk/cases.json", import.meta.url)), "utf8")) as Cases;

describe("cases.json", () => {
  it("is for hash version 1 and covers enough ground", () => {
    expect(cases.hashVersion).toBe(1);
    expect(cases.bucket.length).toBeGreaterThanOrEqual(50);
    const strategies = new Set(cases.evaluate.map((c) => c.experiment.strategy));
    expect([...strategies].sort()).toEqual(["ab", "blue_green", "canary", "rolling", "toggle"]);
    const statuses = new Set(cases.evaluate.map((c) => c.experiment.status));
    expect([...statuses].sort()).toEqual(["completed", "paused", "promoted", "rolled_back", "running"]);
    const stages = new Set(cases.evaluate.filter((c) => c.experiment.strategy === "canary").map((c) => c.expected.stage));
    expect([...stages].sort((a, b) => a - b)).toEqual([5, 20, 50, 80, 100]);
  });

  it.each(cases.bucket.map((c) => [JSON.stringify(c.seed), JSON.stringify(c.unitId).slice(0, 40), c] as const))("bucket(%s, %s)", (_seed, _unit, c) => {
    expect(hashUint32(c.seed, c.unitId)).toBe(c.hash);
    expect(bucket(c.seed, c.unitId)).toBe(c.bucket);
    expect(c.bucket).toBe(c.hash / 2 ** 32);
  });

  it.each(cases.evaluate.map((c) => [c.name, c] as const))("evaluate: %s", (_name, c) => {
    expect({ ...evaluate(c.experiment, c.unit) }).toEqual(c.expected);
  });

  it("uses only experiments the server would accept (apart from the deliberately invalid regex)", () => {
    for (const c of cases.evaluate) {
      const problems = validateExperiment(c.experiment).filter((p) => !p.includes("invalid regular expression"));
      expect(problems, c.name).toEqual([]);
    }
  });
});
