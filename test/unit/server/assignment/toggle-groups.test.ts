// Toggle groups through the server's snapshot mapping and the SDK evaluator: widening (releasing the
// next group, whatever its percentage) keeps everyone already on "on", at every stage, and the
// holdback is the same slice of every group, off and exposed.
import { describe, expect, it } from "vitest";
import { evaluateDetailed } from "@/sdk/evaluate";
import type { Unit } from "@/sdk/types";
import type { Experiment } from "@/server/experiments/types";
import { toSnapshotExperiment } from "@/server/assignment/snapshot";

function toggle(groups: { name: string; rule: Experiment["targeting"]; percentage: number }[], holdback: number | undefined, stageIndex: number): Experiment {
  return {
    key: "dark-mode",
    strategy: "toggle",
    status: "running",
    variants: [
      { key: "off", weight: 0.5 },
      { key: "on", weight: 0.5 },
    ],
    control: "off",
    treatment: "on",
    targeting: null,
    forced: {},
    hashAttribute: "userId",
    layer: null,
    rollout: { groups, holdback, stages: groups.map((g) => g.percentage), minExposuresPerArm: 100, minDurationMinutes: 60 },
    state: { stageIndex, exposure: groups[stageIndex].percentage, live: null, enabled: true, shipped: null, stageStartedAt: null },
    salt: "s1",
  } as unknown as Experiment;
}

const admins = { attribute: "role", op: "eq", value: "admin" } as const;
const beta = { attribute: "beta", op: "eq", value: true } as const;
const units: Unit[] = Array.from({ length: 6_000 }, (_, i) => ({ userId: `u${i}`, attributes: { role: i % 7 === 0 ? "admin" : "customer", beta: i % 3 === 0 } }));

describe("toggle groups in the snapshot", () => {
  it.each([
    ["admins 100 → beta 50 → everyone 10", [100, 50, 10]],
    ["admins 30 → beta 100 → everyone 5", [30, 100, 5]],
    ["admins 100 → beta 100 → everyone 100", [100, 100, 100]],
  ])("widening a group keeps everyone already on on, across every stage (%s)", (_name, pcts) => {
    for (const holdback of [10, 0, 25]) {
      const groups = [
        { name: "admins", rule: admins, percentage: pcts[0] },
        { name: "beta", rule: beta, percentage: pcts[1] },
        { name: "everyone", rule: null, percentage: pcts[2] },
      ];
      let previous: Set<string> | null = null;
      let previousHoldback: Set<string> | null = null;
      for (let stage = 0; stage < groups.length; stage++) {
        const exp = toSnapshotExperiment(toggle(groups, holdback, stage));
        const on = new Set<string>();
        const held = new Set<string>();
        const wrong: string[] = [];
        for (const u of units) {
          const d = evaluateDetailed(exp, u);
          if (d.assignment.variant === "on") {
            if (!d.assignment.exposed) wrong.push(`${u.userId} on but not exposed`);
            on.add(u.userId!);
          } else if (d.reason === "holdback") {
            if (d.assignment.variant !== "off" || !d.assignment.exposed) wrong.push(`${u.userId} holdback not off/exposed`);
            held.add(u.userId!);
          } else if (d.assignment.exposed) wrong.push(`${u.userId} off and exposed outside the holdback`);
        }
        for (const id of previous ?? []) if (!on.has(id)) wrong.push(`${id} switched off at stage ${stage}`);
        for (const id of previousHoldback ?? []) if (!held.has(id)) wrong.push(`${id} left the holdback at stage ${stage}`);
        expect(wrong.slice(0, 5), `holdback ${holdback}`).toEqual([]);
        if (stage === groups.length - 1) expect(on.size).toBeGreaterThan(units.length * 0.1);
        previous = on;
        previousHoldback = held;
      }
    }
  });

  it("holds back the configured share of each released group; a toggle stored without one has none", () => {
    const groups = [
      { name: "admins", rule: admins, percentage: 100 },
      { name: "everyone", rule: null, percentage: 100 },
    ];
    const exp = toSnapshotExperiment(toggle(groups, 10, 0));
    expect(toSnapshotExperiment(toggle(groups, undefined, 0)).toggle?.holdback).toBe(0);
    expect(exp.toggle).toEqual({ holdback: 0.1, groups: [{ targeting: admins, exposure: 1 }] });
    const adminsOnly = units.filter((u) => u.attributes!.role === "admin");
    const held = adminsOnly.filter((u) => evaluateDetailed(exp, u).reason === "holdback").length;
    expect(Math.abs(held / adminsOnly.length - 0.1)).toBeLessThan(0.02);
    expect(units.filter((u) => u.attributes!.role !== "admin").every((u) => !evaluateDetailed(exp, u).assignment.exposed)).toBe(true);
    const zero = toSnapshotExperiment(toggle(groups, 0, 0));
    expect(adminsOnly.every((u) => evaluateDetailed(zero, u).assignment.variant === "on")).toBe(true);
  });
});
