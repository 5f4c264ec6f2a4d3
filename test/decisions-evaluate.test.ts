/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// The evaluation path on the real stores: events planted in chDB → results pipeline → decide() →
// stored decision → automation acts through changeExperiment as the system actor → decision events.
// Also: the evaluator loop's tick, the feed routes, and replaying stored decisions.
import { beforeAll, describe, expect, it } from "vitest";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as evaluate from "@/app/api/v1/experiments/[key]/evaluate/route";
import * as decision from "@/app/api/v1/experiments/[key]/decision/route";
import * as feed from "@/app/api/v1/decisions/route";
import { chInsert } from "@/db/clickhouse/client";
import { listAudit } from "@/server/audit/list";
import { decide } from "@/server/decisions/decide";
import { onDecisionEvent, type DecisionEvent } from "@/server/decisions/events";
import { runEvaluatorTick } from "@/server/decisions/loop";
import { getDecisionRow, listDecisions, toDecisionView } from "@/server/decisions/record";
import { getExperiment } from "@/server/experiments/get";
import { mulberry32 } from "./helpers/analysis/random";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const events: DecisionEvent[] = [];
beforeAll(async () => {
  await setupStores();
  onDecisionEvent((e) => {
    events.push(e);
  });
});

let seq = 0;
interface Arm {
  users: number;
  errorRate: number;
}

/**
 * Exposures between the experiment's start and now (so they belong to its first stage, and not to a
 * stage started later) and 8 requests per user with errors at the arm's rate.
 */
async function plant(key: string, arms: Record<string, Arm>, seed: number): Promise<void> {
  const rand = mulberry32(seed);
  const startedAt = Date.parse((await getExperiment({ key })).startedAt as string);
  const window = Math.max(1, Date.now() - startedAt);
  const rows: Record<string, unknown>[] = [];
  for (const [variant, arm] of Object.entries(arms)) {
    for (let u = 0; u < arm.users; u++) {
      const user = `${key}-${variant}-${u}`;
      const at = startedAt + Math.floor(rand() * window);
      const ts = (ms: number) => new Date(ms).toISOString();
      rows.push({ id: `e${++seq}`, type: "exposure", user_id: user, experiment: key, variant, timestamp: ts(at) });
      for (let r = 0; r < 8; r++) {
        rows.push({ id: `e${++seq}`, type: "request", user_id: user, value: 1, timestamp: ts(at + 100 + r) });
        if (rand() < arm.errorRate) rows.push({ id: `e${++seq}`, type: "error", user_id: user, value: 1, timestamp: ts(at + 200 + r) });
      }
    }
  }
  await chInsert("events", rows);
}

async function running(key: string, extra: Record<string, unknown>): Promise<void> {
  const body = { key, name: key, strategy: "canary", rollout: { minDurationMinutes: 0, minExposuresPerArm: 100 }, metrics: { guardrails: [{ metric: "error_rate", promotionMargin: 1 }] }, ...extra };
  expect((await call(collection.POST, { body })).status).toBe(201);
  expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
}

const ofType = (key: string, type: string) => events.filter((e) => e.experiment.key === key && e.type === type);

describe("evaluation and automation", () => {
  it("auto-rollback: the evaluator tick rolls back a canary that triples the error rate, as the system, linked to the decision", async () => {
    await running("harmful", { automation: "auto-rollback" });
    await plant("harmful", { control: { users: 400, errorRate: 0.02 }, treatment: { users: 400, errorRate: 0.06 } }, 1);
    const tick = await runEvaluatorTick();
    const mine = tick.evaluated.find((e) => e.key === "harmful");
    expect(mine).toMatchObject({ recommendation: "rollback" });
    expect(mine?.action).toMatch(/rolled back/);
    expect(tick.failed).toEqual([]);

    const e = await getExperiment({ key: "harmful" });
    expect(e.status).toBe("rolled_back");
    const latest = await call(decision.GET, { params: { key: "harmful" } });
    expect(latest.body).toMatchObject({ recommendation: "rollback", stage: 5, reasons: [{ code: "guardrail_harm", metric: "error_rate", variant: "treatment" }] });
    expect(latest.body.inputs.exposures).toEqual({ control: 400, treatment: 400 });
    expect(latest.body.inputs.metrics.error_rate.arms.treatment.kind).toBe("ratio");
    expect(latest.body.reasons[0].evidence).toMatchObject({ toleranceType: "relative", tolerance: 0 });
    expect(latest.body.reasons[0].evidence.relativeChange).toBeGreaterThan(1);

    const [entry] = (await listAudit({ entityType: "experiment", entityKey: "harmful", limit: 1 })).entries;
    expect(entry).toMatchObject({ action: "experiment.rolled_back", actor: "verdict-evaluator", decisionId: latest.body.id });
    expect(entry.reason).toMatch(/automatic rollback.*error_rate/);

    expect(ofType("harmful", "experiment.rolled_back")).toHaveLength(1);
    expect(ofType("harmful", "decision.changed")[0].data).toMatchObject({ recommendation: "rollback", previous: null });
    expect(ofType("harmful", "guardrail.breached")[0].data).toMatchObject({ metric: "error_rate", variant: "treatment" });

    const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: Array.from({ length: 500 }, (_, i) => ({ userId: `harmful-control-${i}` })), log: false } });
    const mineAssigned = res.body.results.map((r: any) => r.assignments.find((a: any) => a.experiment === "harmful"));
    expect(mineAssigned.every((a: any) => a.variant === "control" && !a.exposed)).toBe(true);

    // finished experiments are not evaluated
    expect((await call(evaluate.POST, { params: { key: "harmful" } })).status).toBe(409);
  });

  it("manual: the same harm is recommended, not acted on", async () => {
    await running("manual-harm", { automation: "manual" });
    await plant("manual-harm", { control: { users: 400, errorRate: 0.02 }, treatment: { users: 400, errorRate: 0.06 } }, 2);
    const res = await call(evaluate.POST, { params: { key: "manual-harm" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ recommendation: "rollback", action: null });
    expect((await getExperiment({ key: "manual-harm" })).status).toBe("running");
  });

  it("auto: a healthy canary is promoted to the next stage, then holds until the new stage has its own exposures", async () => {
    await running("healthy", { automation: "auto" });
    await plant("healthy", { control: { users: 600, errorRate: 0.05 }, treatment: { users: 600, errorRate: 0.05 } }, 3);
    const first = await call(evaluate.POST, { params: { key: "healthy" } });
    expect(first.body.recommendation).toBe("promote");
    expect(first.body.reasons.map((r: any) => r.code)).toEqual(expect.arrayContaining(["stage_ready", "guardrails_healthy"]));
    expect(first.body.action).toBe("advanced to 20 %");
    const e = await getExperiment({ key: "healthy" });
    expect(e.state).toMatchObject({ exposure: 20, stageIndex: 1 });
    expect(ofType("healthy", "experiment.promoted")[0].data).toMatchObject({ from: { stage: 5 }, to: { stage: 20 } });

    const second = await call(evaluate.POST, { params: { key: "healthy" } });
    expect(second.body.recommendation).toBe("hold");
    const exposuresReason = second.body.reasons.find((r: any) => r.code === "insufficient_exposures");
    expect(exposuresReason.evidence).toMatchObject({ exposures: 0, needed: 100, usersStillNeeded: 100 });
    expect((await getExperiment({ key: "healthy" })).state.exposure).toBe(20);
    // evidence accumulates: the second evaluation still sees every exposure of the first stage
    expect(second.body.inputs.exposures).toEqual({ control: 600, treatment: 600 });
  });

  it("SRM: a skewed split holds with the SRM reason and never promotes, even in auto mode", async () => {
    await running("skewed", { automation: "auto" });
    await plant("skewed", { control: { users: 700, errorRate: 0.05 }, treatment: { users: 450, errorRate: 0.05 } }, 4);
    const res = await call(evaluate.POST, { params: { key: "skewed" } });
    expect(res.body.recommendation).toBe("hold");
    expect(res.body.reasons[0]).toMatchObject({ code: "srm_mismatch", evidence: { observed: { control: 700, treatment: 450 } } });
    expect(res.body.reasons[0].evidence.pValue).toBeLessThan(0.001);
    expect((await getExperiment({ key: "skewed" })).state.exposure).toBe(5);
    expect(ofType("skewed", "srm.detected")).toHaveLength(1);
  });

  it("re-running decide() on every stored decision's inputs and parameters gives the same answer", async () => {
    const { decisions } = await listDecisions({ limit: 100 });
    expect(decisions.length).toBeGreaterThanOrEqual(5);
    for (const d of decisions) {
      const row = await getDecisionRow(d.id);
      // through JSON, exactly as stored and served
      const full = JSON.parse(JSON.stringify(toDecisionView(row!, { full: true })));
      const replay = decide(full.inputs, full.parameters);
      expect(replay.recommendation).toBe(full.recommendation);
      expect(JSON.parse(JSON.stringify(replay.reasons))).toEqual(full.reasons);
      expect(JSON.parse(JSON.stringify(replay.tests))).toEqual(full.tests);
    }
  });

  it("the feed lists decisions across experiments, newest first, filtered by experiment and time", async () => {
    const all = await call(feed.GET, { path: "/api/v1/decisions?limit=50" });
    expect(all.status).toBe(200);
    const times = all.body.decisions.map((d: any) => d.evaluatedAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(new Set(all.body.decisions.map((d: any) => d.experiment))).toEqual(new Set(["harmful", "manual-harm", "healthy", "skewed"]));
    expect(all.body.decisions[0].inputs).toBeUndefined();

    const one = await call(feed.GET, { path: "/api/v1/decisions?experiment=healthy" });
    expect(one.body.decisions.map((d: any) => d.recommendation)).toEqual(["hold", "promote"]);
    const since = await call(feed.GET, { path: `/api/v1/decisions?since=${encodeURIComponent(one.body.decisions[0].evaluatedAt)}&experiment=healthy` });
    expect(since.body.decisions).toHaveLength(1);
    expect((await call(feed.GET, { path: "/api/v1/decisions?since=yesterday" })).status).toBe(400);
    expect((await call(decision.GET, { params: { key: "harmful-nope" } })).status).toBe(404);
  });
});
