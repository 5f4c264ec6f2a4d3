/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// A decision is recorded when it changes: evaluations that reach the same decision again refresh the
// latest row (evidence, lastEvaluatedAt, evaluations) instead of adding an identical row per minute
// (issue 15). Real stores, through the routes.
import { beforeAll, describe, expect, it } from "vitest";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as evaluate from "@/app/api/v1/experiments/[key]/evaluate/route";
import * as decision from "@/app/api/v1/experiments/[key]/decision/route";
import * as feed from "@/app/api/v1/decisions/route";
import { chInsert } from "@/db/clickhouse/client";
import { decide } from "@/server/decisions/decide";
import { onDecisionEvent, type DecisionEvent } from "@/server/decisions/events";
import { getExperiment } from "@/server/experiments/get";
import { mulberry32 } from "./helpers/analysis/random";
import { call, setupStores } from "./helpers/app";

const events: DecisionEvent[] = [];
beforeAll(async () => {
  await setupStores();
  onDecisionEvent((e) => {
    events.push(e);
  });
});

let seq = 0;
/** users [from, to) of each arm: an exposure after the start and 8 requests, errors at the arm's rate */
async function plant(key: string, from: number, to: number, errorRate: Record<string, number>, seed: number): Promise<void> {
  const rand = mulberry32(seed);
  const startedAt = Date.parse((await getExperiment({ key })).startedAt as string);
  const rows: Record<string, unknown>[] = [];
  const ts = (ms: number) => new Date(ms).toISOString();
  for (const [variant, rate] of Object.entries(errorRate)) {
    for (let u = from; u < to; u++) {
      const user = `${key}-${variant}-${u}`;
      const at = startedAt + 1 + Math.floor(rand() * 50);
      rows.push({ id: `r${++seq}`, type: "exposure", user_id: user, experiment: key, variant, timestamp: ts(at) });
      for (let r = 0; r < 8; r++) {
        rows.push({ id: `r${++seq}`, type: "request", user_id: user, value: 1, timestamp: ts(at + 100 + r) });
        if (rand() < rate) rows.push({ id: `r${++seq}`, type: "error", user_id: user, value: 1, timestamp: ts(at + 200 + r) });
      }
    }
  }
  await chInsert("events", rows);
}

const feedOf = async (key: string) => (await call(feed.GET, { path: `/api/v1/decisions?experiment=${key}` })).body.decisions as any[];

describe("decisions are recorded when they change", () => {
  it("N evaluations on unchanged data: one row, its last-evaluated time advancing; a change in the data: a new row", async () => {
    const key = "steady-hold";
    const body = {
      key,
      name: key,
      strategy: "canary",
      automation: "manual",
      rollout: { minDurationMinutes: 0, minExposuresPerArm: 100 },
      metrics: { guardrails: [{ metric: "error_rate", promotionMargin: 1 }] },
    };
    expect((await call(collection.POST, { body })).status).toBe(201);
    expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
    await plant(key, 0, 60, { control: 0.02, treatment: 0.02 }, 1);

    const N = 5;
    const seen: any[] = [];
    for (let i = 0; i < N; i++) {
      const res = await call(evaluate.POST, { params: { key } });
      expect(res.status).toBe(200);
      seen.push(res.body);
    }
    expect(seen.map((d) => d.recommendation)).toEqual(Array(N).fill("hold"));
    expect(seen[0].reasons.map((r: any) => r.code)).toContain("insufficient_exposures");
    // one decision, the same row every time, counting its evaluations
    expect(new Set(seen.map((d) => d.id)).size).toBe(1);
    expect(seen.map((d) => d.evaluations)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(seen.map((d) => d.evaluatedAt)).size).toBe(1);
    const last = seen.map((d) => Date.parse(d.lastEvaluatedAt));
    for (let i = 1; i < N; i++) expect(last[i]).toBeGreaterThan(last[i - 1]);
    expect(seen[0].lastEvaluatedAt).toBe(seen[0].evaluatedAt);
    // the row carries the latest evaluation's inputs
    expect(seen[N - 1].inputs.evaluatedAt).toBe(seen[N - 1].lastEvaluatedAt);

    let rows = await feedOf(key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: seen[0].id, recommendation: "hold", evaluations: N, lastEvaluatedAt: seen[N - 1].lastEvaluatedAt });
    const latest = await call(decision.GET, { params: { key } });
    expect(latest.body).toMatchObject({ id: seen[0].id, evaluations: N, lastEvaluatedAt: seen[N - 1].lastEvaluatedAt });
    // a first hold is not a change: no decision event at all so far
    expect(events.filter((e) => e.experiment.key === key)).toHaveLength(0);

    // more users, the decision still the same (below 100 per arm): the same row, its evidence fresh
    await plant(key, 60, 80, { control: 0.02, treatment: 0.02 }, 2);
    const fresher = (await call(evaluate.POST, { params: { key } })).body;
    expect(fresher).toMatchObject({ id: seen[0].id, recommendation: "hold", evaluations: N + 1 });
    const exposures = (d: any) => d.reasons.find((r: any) => r.code === "insufficient_exposures" && r.evidence?.exposures !== undefined)?.evidence.exposures;
    expect(exposures(seen[N - 1])).toBe(60);
    expect(exposures(fresher)).toBe(80);
    // replayable as refreshed: decide() on its inputs and parameters gives its reasons
    const full = JSON.parse(JSON.stringify((await call(decision.GET, { params: { key } })).body));
    expect(JSON.parse(JSON.stringify(decide(full.inputs, full.parameters).reasons))).toEqual(full.reasons);

    // the treatment turns harmful: a different decision, a new row (the old one keeps its count)
    await plant(key, 80, 600, { control: 0.02, treatment: 0.1 }, 3);
    const changed = (await call(evaluate.POST, { params: { key } })).body;
    expect(changed.recommendation).toBe("rollback");
    expect(changed.id).not.toBe(seen[0].id);
    expect(changed.evaluations).toBe(1);
    rows = await feedOf(key);
    expect(rows.map((d) => [d.recommendation, d.evaluations])).toEqual([
      ["rollback", 1],
      ["hold", N + 1],
    ]);
    expect(Date.parse(rows[0].evaluatedAt)).toBeGreaterThan(Date.parse(rows[1].lastEvaluatedAt));
    // events fire on the change, as before
    expect(events.filter((e) => e.experiment.key === key).map((e) => e.type)).toEqual(["decision.changed", "guardrail.breached"]);

    // the same rollback again (manual: not acted on): the rollback row is refreshed, no new events
    const again = (await call(evaluate.POST, { params: { key } })).body;
    expect(again).toMatchObject({ id: changed.id, recommendation: "rollback", evaluations: 2, action: null });
    expect(await feedOf(key)).toHaveLength(2);
    expect(events.filter((e) => e.experiment.key === key)).toHaveLength(2);
  });

  it("a decision that acts is always a row of its own, never refreshed afterwards", async () => {
    const key = "acts-once";
    const body = {
      key,
      name: key,
      strategy: "canary",
      automation: "auto",
      rollout: { stages: [20, 50, 100], minDurationMinutes: 0, minExposuresPerArm: 100 },
      metrics: { guardrails: [{ metric: "error_rate", promotionMargin: 2 }] },
    };
    expect((await call(collection.POST, { body })).status).toBe(201);
    expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
    await plant(key, 0, 400, { control: 0.05, treatment: 0.05 }, 4);
    const promoted = (await call(evaluate.POST, { params: { key } })).body;
    expect(promoted.recommendation).toBe("promote");
    expect(promoted.action).toMatch(/advanced/);
    // the next stage has no exposures of its own: a hold, on a new row; the promotion stays as it was
    const next = (await call(evaluate.POST, { params: { key } })).body;
    expect(next.recommendation).toBe("hold");
    expect(next.id).not.toBe(promoted.id);
    const rows = await feedOf(key);
    expect(rows.map((d) => [d.recommendation, d.evaluations])).toEqual([
      ["hold", 1],
      ["promote", 1],
    ]);
    expect(rows[1].action).toBe(promoted.action);
  });

  it("a refused action (not acted: …) is retried on the same row, not a new identical row per evaluation", async () => {
    const key = "refused-promote";
    const body = {
      key,
      name: key,
      strategy: "canary",
      automation: "auto",
      rollout: { stages: [20, 50, 100], minDurationMinutes: 0, minExposuresPerArm: 100 },
      rollbackPlan: { databaseBackwardCompatible: false, notes: "drops a column" },
      metrics: { guardrails: [{ metric: "error_rate", promotionMargin: 2 }] },
    };
    expect((await call(collection.POST, { body })).status).toBe(201);
    expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
    await plant(key, 0, 400, { control: 0.05, treatment: 0.05 }, 5);
    const first = (await call(evaluate.POST, { params: { key } })).body;
    expect(first.recommendation).toBe("promote");
    expect(first.action).toMatch(/^not acted: /);
    const second = (await call(evaluate.POST, { params: { key } })).body;
    expect(second).toMatchObject({ id: first.id, recommendation: "promote", evaluations: 2, action: first.action });
    expect(await feedOf(key)).toHaveLength(1);
    expect((await getExperiment({ key })).state.stageIndex).toBe(0);
  });
});
