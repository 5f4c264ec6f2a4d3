import { describe, expect, it } from "vitest";
import { compileSnapshot, evaluate, evaluateAll, evaluateDetailed } from "@/sdk/evaluate";
import { makeExperiment, makeSnapshot, prng } from "../../helpers/sdk/fixtures";
import type { Assignment, SnapshotExperiment, Strategy } from "@/sdk/types";

const users = (n: number, prefix = "user-") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("splits", () => {
  it.each([
    [0.5, 0.5],
    [0.9, 0.1],
  ])("ab %s/%s splits 100,000 users within 4 standard errors", (wc, wt) => {
    const exp = makeExperiment({
      key: `split-${wc}`,
      variants: [
        { key: "control", weight: wc },
        { key: "treatment", weight: wt },
      ],
    });
    let treated = 0;
    for (const id of users(100_000)) if (evaluate(exp, { userId: id }).variant === "treatment") treated++;
    const p = treated / 100_000;
    const se = Math.sqrt((wt * wc) / 100_000);
    expect(Math.abs(p - wt)).toBeLessThan(4 * se);
  });

  it("canary at s <= 50 % keeps treatment and baseline 1:1, the rest unexposed", () => {
    for (const s of [0.05, 0.2, 0.5]) {
      const exp = makeExperiment({ key: "canary-split", strategy: "canary", exposure: s });
      const counts = { treatment: 0, baseline: 0, outside: 0 };
      for (const id of users(100_000)) {
        const a = evaluate(exp, { userId: id });
        if (a.variant === "treatment") counts.treatment++;
        else if (a.exposed) counts.baseline++;
        else counts.outside++;
      }
      const se = Math.sqrt(s * (1 - s) * 100_000);
      expect(Math.abs(counts.treatment - s * 100_000)).toBeLessThan(4 * se);
      expect(Math.abs(counts.baseline - s * 100_000)).toBeLessThan(4 * se);
    }
  });
});

/** Evaluates every user at two exposures of the same experiment. */
function atTwoExposures(base: SnapshotExperiment, low: number, high: number, ids: string[], unitOf: (id: string) => object) {
  const a = { ...base, exposure: low };
  const b = { ...base, exposure: high };
  return ids.map((id) => [evaluate(a, unitOf(id)), evaluate(b, unitOf(id))] as [Assignment, Assignment]);
}

describe("ramp property over random configurations", () => {
  const rand = prng(20260101);
  const randomExposurePair = () => {
    const x = Math.round(rand() * 100) / 100;
    const y = Math.round(rand() * 100) / 100;
    return x <= y ? [x, y] : [y, x];
  };

  it("ab coverage: ramping up keeps every exposed user's variant; lowering only removes", () => {
    for (let config = 0; config < 200; config++) {
      const n = 2 + Math.floor(rand() * 3);
      const raw = Array.from({ length: n }, () => 0.05 + rand());
      const total = raw.reduce((x, y) => x + y, 0);
      const variants = raw.map((w, i) => ({ key: `v${i}`, weight: w / total }));
      const exp = makeExperiment({ key: `ab-ramp-${config}`, variants, control: "v0", treatment: "v1" });
      const [low, high] = randomExposurePair();
      for (const [before, after] of atTwoExposures(exp, low, high, users(500), (id) => ({ userId: id }))) {
        if (before.exposed) expect(after).toMatchObject({ exposed: true, variant: before.variant });
        if (!after.exposed) expect(before.exposed).toBe(false);
      }
    }
  });

  it("canary stages: treatment only grows, exposure is never lost, baseline kept while s <= 50 %", () => {
    const stages = [0.01, 0.05, 0.1, 0.2, 0.25, 0.5, 0.8, 1];
    for (let config = 0; config < 200; config++) {
      const i = Math.floor(rand() * stages.length);
      const j = i + Math.floor(rand() * (stages.length - i));
      const exp = makeExperiment({ key: `canary-ramp-${config}`, strategy: "canary" });
      for (const [before, after] of atTwoExposures(exp, stages[i], stages[j], users(500), (id) => ({ userId: id }))) {
        if (before.variant === "treatment") expect(after).toMatchObject({ variant: "treatment", exposed: true });
        if (before.exposed) expect(after.exposed).toBe(true);
        if (before.exposed && stages[j] <= 0.5) expect(after.variant).toBe(before.variant);
        // lowering (after -> before) never puts anyone new into the treatment
        if (after.variant === "control") expect(before.variant).toBe("control");
      }
    }
  });

  it.each<[Strategy, string]>([
    ["rolling", "instanceId"],
    ["toggle", "userId"],
  ])("%s: the released / switched-on set only grows with exposure; everyone stays exposed", (strategy, idField) => {
    for (let config = 0; config < 200; config++) {
      const exp = makeExperiment({ key: `${strategy}-ramp-${config}`, strategy, targeting: strategy === "toggle" ? { attribute: "plan", op: "eq", value: "pro" } : null });
      const [low, high] = randomExposurePair();
      const unitOf = (id: string) => ({ [idField]: id, attributes: { plan: "pro" } });
      for (const [before, after] of atTwoExposures(exp, low, high, users(500, "i-"), unitOf)) {
        if (before.variant === "treatment") expect(after.variant).toBe("treatment");
        expect(before.exposed && after.exposed).toBe(true);
      }
    }
  });

  it("rolling releases the configured share of instances (default batches of 25 %)", () => {
    const exp = makeExperiment({ key: "fleet", strategy: "rolling" });
    for (const s of [0.25, 0.5, 0.75, 1]) {
      const atStage = { ...exp, exposure: s };
      const released = users(20_000, "i-").filter((id) => evaluate(atStage, { instanceId: id }).variant === "treatment").length;
      expect(Math.abs(released / 20_000 - s)).toBeLessThan(0.02);
    }
  });
});

describe("layers", () => {
  it("puts a unit in at most one experiment of a layer, in proportion to the slices", () => {
    const slices = [
      [0, 0.1],
      [0.1, 0.4],
      [0.4, 0.45],
      [0.6, 1],
    ];
    const snapshot = makeSnapshot(slices.map(([start, end], i) => makeExperiment({ key: `layered-${i}`, layer: { key: "checkout", start, end } })));
    const inExperiment = new Array<number>(slices.length).fill(0);
    let inNone = 0;
    for (const id of users(50_000)) {
      const exposed = evaluateAll(snapshot, { userId: id })
        .map((a, i) => (a.exposed ? i : -1))
        .filter((i) => i >= 0);
      expect(exposed.length).toBeLessThanOrEqual(1);
      if (exposed.length === 0) inNone++;
      else inExperiment[exposed[0]]++;
    }
    slices.forEach(([start, end], i) => expect(Math.abs(inExperiment[i] / 50_000 - (end - start))).toBeLessThan(0.01));
    expect(Math.abs(inNone / 50_000 - 0.15)).toBeLessThan(0.01);
  });

  it("keeps the experiment's own split independent of the layer bucket", () => {
    const exp = makeExperiment({ key: "in-layer", layer: { key: "L", start: 0, end: 0.5 } });
    const treated = users(40_000)
      .map((id) => evaluate(exp, { userId: id }))
      .filter((a) => a.exposed && a.variant === "treatment").length;
    expect(Math.abs(treated / 40_000 - 0.25)).toBeLessThan(0.01);
  });
});

describe("statuses and special cases", () => {
  const exp = makeExperiment({ key: "status" });
  const ids = users(200);

  it("paused serves the running variant without exposure", () => {
    for (const id of ids) {
      const running = evaluate(exp, { userId: id });
      expect(evaluate({ ...exp, status: "paused" }, { userId: id })).toEqual({ ...running, exposed: false });
    }
  });

  it("rolled back / promoted / completed ignore the bucket", () => {
    for (const id of ids) {
      expect(evaluate({ ...exp, status: "rolled_back" }, { userId: id })).toMatchObject({ variant: "control", exposed: false, stage: 0 });
      expect(evaluate({ ...exp, status: "promoted", shipped: "treatment" }, { userId: id })).toMatchObject({ variant: "treatment", exposed: false, stage: 100 });
      expect(evaluate({ ...exp, status: "completed", shipped: "control" }, { userId: id })).toMatchObject({ variant: "control", exposed: false });
    }
  });

  it("the kill switch turns a toggle off for everyone at once, forced users included", () => {
    const toggle = makeExperiment({ key: "kill", strategy: "toggle", exposure: 1, forced: { qa: "treatment" } });
    expect(evaluate(toggle, { userId: "qa" }).variant).toBe("treatment");
    const killed = { ...toggle, enabled: false };
    for (const id of [...ids, "qa"]) expect(evaluate(killed, { userId: id })).toMatchObject({ variant: "control", exposed: false });
  });

  it("blue_green switches everyone atomically on the next evaluation, and back", () => {
    const bg = makeExperiment({ key: "bg", strategy: "blue_green" });
    expect(new Set(ids.map((id) => evaluate(bg, { userId: id }).variant))).toEqual(new Set(["blue"]));
    const switched = { ...bg, live: "green" };
    expect(new Set(ids.map((id) => evaluate(switched, { userId: id }).variant))).toEqual(new Set(["green"]));
    expect(ids.every((id) => evaluate(switched, { userId: id }).exposed)).toBe(true);
  });

  it("reports why: forced, targeting_miss, outside_split, split", () => {
    const e = makeExperiment({ key: "why", exposure: 0.5, forced: { qa: "control" }, targeting: { attribute: "country", op: "eq", value: "FR" } });
    expect(evaluateDetailed(e, { userId: "qa" }).reason).toBe("forced");
    expect(evaluateDetailed(e, { userId: "u1", attributes: { country: "DE" } }).reason).toBe("targeting_miss");
    const reasons = new Set(ids.map((id) => evaluateDetailed(e, { userId: id, attributes: { country: "FR" } }).reason));
    expect(reasons).toEqual(new Set(["split", "outside_split"]));
  });

  it("returns frozen, shared assignment objects (no allocation per evaluation)", () => {
    const a = evaluate(exp, { userId: "u1" });
    expect(Object.isFrozen(a)).toBe(true);
    expect(evaluate(exp, { userId: "u1" })).toBe(a);
  });

  it("compiles a snapshot once and evaluates every experiment in order", () => {
    const snapshot = makeSnapshot([makeExperiment({ key: "a" }), makeExperiment({ key: "b", strategy: "canary", exposure: 0.05 })]);
    const compiled = compileSnapshot(snapshot);
    expect(compileSnapshot(snapshot)).toBe(compiled);
    expect(compiled.evaluateAll({ userId: "u1" }).map((a) => a.experiment)).toEqual(["a", "b"]);
    expect(compiled.get("b")?.evaluate({ userId: "u1" }).stage).toBe(5);
    expect(compiled.get("missing")).toBeUndefined();
  });

  it("never throws on an invalid regex in a snapshot", () => {
    const e = makeExperiment({ key: "bad-regex", targeting: { attribute: "email", op: "regex", value: "(" } });
    expect(evaluate(e, { userId: "u1", attributes: { email: "(" } })).toMatchObject({ variant: "control", exposed: false });
  });
});
