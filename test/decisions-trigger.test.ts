// Event-driven evaluation in-process on the real stores: the evaluator is started with its timer at
// 60 s, traffic goes through the public routes (in-process), and the evaluation that acts must be the
// one its stored events triggered, within seconds. The HTTP version on server.ts is
// test/decisions-trigger-http.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as events from "@/app/api/v1/events/route";
import { chInsert } from "@/db/clickhouse/client";
import { listAudit } from "@/server/audit/list";
import { evaluatorStatus, startEvaluator, stopEvaluator } from "@/server/decisions/loop";
import { latestDecisionRow, listDecisions } from "@/server/decisions/record";
import { getExperiment } from "@/server/experiments/get";
import { runSimulation } from "@/simulator";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";
import { createRunning, transport } from "./helpers/rollouts";

process.env.VERDICT_INGEST_RATE_LIMIT = "0";
process.env.VERDICT_EVALUATOR_INTERVAL_SECONDS = "60"; // the default: the timer cannot fire during these tests

beforeAll(async () => {
  await setupStores();
  // serves nobody the simulator sends; its own users were exposed earlier (straight into ClickHouse) and stay silent
  await createRunning({ key: "quiet", name: "quiet", strategy: "canary", automation: "auto-rollback", targeting: { attribute: "plan", op: "eq", value: "never" } });
  await chInsert(
    "events",
    Array.from({ length: 200 }, (_, i) => ({ id: `q-${i}`, type: "exposure", user_id: `q-${i}`, experiment: "quiet", variant: i % 2 ? "control" : "treatment", timestamp: new Date().toISOString() })),
  );
  startEvaluator();
});
afterAll(stopEvaluator);

const canary = (key: string, automation: string, extra: Record<string, unknown> = {}) => ({
  key,
  name: key,
  strategy: "canary",
  automation,
  rollout: { stages: [50, 100], minExposuresPerArm: 100, minDurationMinutes: 0 },
  ...extra,
});

async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<{ value: T; waited: number }> {
  const start = Date.now();
  for (;;) {
    const value = await what();
    if (done(value) || Date.now() - start > ms) return { value, waited: Date.now() - start };
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("event-driven evaluation (timer at 60 s)", () => {
  it("rolls back a canary whose treatment triples the error rate within seconds of its events, triggered by them", async () => {
    await createRunning(canary("harm-now", "auto-rollback"));
    const sending = Date.now();
    await runSimulation({ transport: transport(), experiment: "harm-now", users: 3000, batchSize: 500, seed: 7, userPrefix: "hn-", onlyExposed: true, effects: { treatment: { errorRate: 3 } } });
    const ingested = Date.now();
    const { value: e, waited } = await waitFor(
      () => getExperiment({ key: "harm-now" }),
      (x) => x.status !== "running",
      20_000,
    );
    expect(e.status, `waited ${waited} ms`).toBe("rolled_back");
    const d = await latestDecisionRow("harm-now");
    expect(d).toMatchObject({ recommendation: "rollback", trigger: "events" });
    expect(d!.action).toMatch(/rolled back/);
    expect(Date.now() - ingested).toBeLessThan(20_000);
    const [entry] = (await listAudit({ entityType: "experiment", entityKey: "harm-now", limit: 1 })).entries;
    expect(entry).toMatchObject({ action: "experiment.rolled_back", actor: "verdict-evaluator", decisionId: d!.id });
    expect(entry.reason).toMatch(/on new events/);
    // the timer never ran: every decision was started by events, and coalesced (≤ ~1 per second)
    expect(evaluatorStatus().runs).toBe(0);
    // a decision reached again refreshes its row: each row spans `evaluations` evaluations from
    // evaluatedAt to lastEvaluatedAt, so k of them take ≥ 0.9·(k − 1) s, and the next row starts ≥ 0.9 s
    // after the previous row's last evaluation
    const all = (await listDecisions({ experiment: "harm-now", limit: 500 })).decisions.sort((a, b) => a.evaluatedAt.localeCompare(b.evaluatedAt));
    expect(all.every((x) => x.trigger === "events")).toBe(true);
    for (const x of all) expect(Date.parse(x.lastEvaluatedAt) - Date.parse(x.evaluatedAt)).toBeGreaterThanOrEqual(900 * (x.evaluations - 1));
    for (let i = 1; i < all.length; i++) expect(Date.parse(all[i].evaluatedAt) - Date.parse(all[i - 1].lastEvaluatedAt)).toBeGreaterThanOrEqual(900);
    expect(all.reduce((n, x) => n + x.evaluations, 0)).toBeLessThanOrEqual(evaluatorStatus().queue.evaluations.events);
    // time to safety as the evaluator itself measures it (health, /api/metrics): every decision the
    // events caused, each from when its rows were stored, so within the time since they were sent
    const q = evaluatorStatus().queue;
    expect(q.storedToDecision.evaluations).toBe(q.evaluations.events);
    expect(q.storedToDecision.p50Ms).toBeGreaterThan(0);
    expect(q.storedToDecision.maxMs).toBeLessThanOrEqual(Date.now() - sending);
  });

  it("KPI events alone (users exposed earlier, outside the pipeline) trigger the evaluation of the experiment that exposed them", async () => {
    await createRunning(canary("kpi-only", "auto-rollback"));
    const startedAt = Date.parse((await getExperiment({ key: "kpi-only" })).startedAt!);
    const users = (v: string) => Array.from({ length: 500 }, (_, i) => `kpi-${v}-${i}`);
    const ts = new Date(startedAt + 10).toISOString();
    // straight into ClickHouse: no stored-rows notification, so no evaluation yet
    await chInsert("events", [
      ...users("control").map((u, i) => ({ id: `x-c-${i}`, type: "exposure", user_id: u, experiment: "kpi-only", variant: "control", timestamp: ts })),
      ...users("treatment").map((u, i) => ({ id: `x-t-${i}`, type: "exposure", user_id: u, experiment: "kpi-only", variant: "treatment", timestamp: ts })),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await latestDecisionRow("kpi-only")).toBeNull();

    const kpi: object[] = [];
    const at = new Date(startedAt + 1000).toISOString();
    for (const [v, rate] of [
      ["control", 0.02],
      ["treatment", 0.1],
    ] as const) {
      users(v).forEach((u, i) => {
        for (let r = 0; r < 8; r++) kpi.push({ id: `k-${u}-${r}`, type: "request", userId: u, timestamp: at });
        if (i % Math.round(1 / (rate * 8)) === 0) for (let r = 0; r < 2; r++) kpi.push({ id: `k-${u}-e${r}`, type: "error", userId: u, timestamp: at });
      });
    }
    for (let i = 0; i < kpi.length; i += 1000) expect((await call(events.POST, { token: TEST_CLIENT_KEY, body: { events: kpi.slice(i, i + 1000) } })).status).toBe(200);
    const { value: d, waited } = await waitFor(
      () => latestDecisionRow("kpi-only"),
      (x) => x !== null,
      10_000,
    );
    expect(d, `waited ${waited} ms`).toMatchObject({ trigger: "events" });
    const e = await waitFor(
      () => getExperiment({ key: "kpi-only" }),
      (x) => x.status !== "running",
      10_000,
    );
    expect(e.value.status).toBe("rolled_back");
    // the look that found them carried their stored time: these decisions are measured too
    const q = evaluatorStatus().queue;
    expect(q.storedToDecision.evaluations).toBe(q.evaluations.events);
  });

  it("auto: a healthy canary's events advance it a stage at once", async () => {
    await createRunning(
      canary("advance-now", "auto", { rollout: { stages: [20, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 0 }, metrics: { guardrails: [{ metric: "error_rate", promotionMargin: 2 }] } }),
    );
    await runSimulation({ transport: transport(), experiment: "advance-now", users: 3000, batchSize: 1000, seed: 8, userPrefix: "adv-", onlyExposed: true });
    const { value: e } = await waitFor(
      () => getExperiment({ key: "advance-now" }),
      (x) => x.state.stageIndex > 0,
      15_000,
    );
    expect(e.state.stageIndex).toBeGreaterThan(0);
    const promoted = (await listDecisions({ experiment: "advance-now", limit: 100 })).decisions.filter((d) => d.action?.startsWith("advanced"));
    expect(promoted[0]).toMatchObject({ trigger: "events", recommendation: "promote" });
  });

  it("an experiment without new events is never evaluated by the others' events (the common case costs nothing)", async () => {
    expect(await latestDecisionRow("quiet")).toBeNull();
    expect(evaluatorStatus().queue.evaluations.events).toBeGreaterThan(0);
  });
});
