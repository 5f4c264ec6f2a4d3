/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// Issue 13, part 2, through HTTP on the production server (server.ts) with the evaluator's timer at
// its default 60 s: a canary with auto-rollback whose treatment triples the error rate is rolled back
// within seconds of its events being ingested, by the evaluation those events triggered (the
// decision's trigger is "events", and the timer has not run a pass).
import { afterAll, describe, expect, it } from "vitest";
import { httpTransport, runSimulation } from "@/simulator";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const dataDir = process.env.VERDICT_DATA_DIR!;
let server: NextServer | undefined;
afterAll(async () => {
  await server?.stop();
});

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server!.url}${path}`, { ...init, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers } });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

describe("event-driven rollback on server.ts", () => {
  it("rolls back planted harm within seconds of ingestion, long before the 60 s timer's first pass", { timeout: 900_000 }, async () => {
    ensureBuilt();
    // the default interval (setup.ts turns the evaluator off for in-process tests)
    server = await startNextServer({ dataDir, env: { VERDICT_EVALUATOR_INTERVAL_SECONDS: "60", VERDICT_SEED_DEMO: "false", VERDICT_INGEST_RATE_LIMIT: "0" } });
    const body = { key: "harm-http", name: "harm-http", strategy: "canary", automation: "auto-rollback", rollout: { stages: [50, 100], minExposuresPerArm: 100, minDurationMinutes: 0 } };
    expect((await api("/api/v1/experiments", { method: "POST", body: JSON.stringify(body) })).status).toBe(201);
    expect((await api("/api/v1/experiments/harm-http/start", { method: "POST", body: "{}" })).status).toBe(200);

    const sending = Date.now();
    const report = await runSimulation({
      transport: httpTransport({ baseUrl: server.url, clientKey: TEST_CLIENT_KEY }),
      experiment: "harm-http",
      users: 3000,
      batchSize: 500,
      seed: 13,
      userPrefix: "hh-",
      onlyExposed: true,
      effects: { treatment: { errorRate: 3 } },
    });
    expect(report.eventsRejected).toBe(0);
    const ingested = Date.now();

    let experiment: any;
    while (Date.now() - ingested < 30_000) {
      experiment = (await api("/api/v1/experiments/harm-http")).body;
      if (experiment.status !== "running") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const afterMs = Date.now() - ingested;
    expect(experiment.status, server.output()).toBe("rolled_back");
    expect(afterMs).toBeLessThan(20_000);

    const decision = (await api("/api/v1/experiments/harm-http/decision")).body;
    expect(decision).toMatchObject({ recommendation: "rollback", trigger: "events", reasons: [{ code: "guardrail_harm", metric: "error_rate", variant: "treatment" }] });
    expect(decision.action).toMatch(/rolled back/);
    // no timer pass happened: every decision of the experiment was triggered by its events
    const health = (await api("/api/health")).body;
    expect(health.evaluator).toMatchObject({ intervalSeconds: 60, eventDriven: true, runs: 0 });
    // the evaluator's own stored → decision figure: every decision the events caused, in health and in /api/metrics
    expect(health.evaluator.storedToDecision).toMatchObject({ boundMs: 2000, windowSeconds: 300, evaluations: health.evaluator.evaluations.events });
    expect(health.evaluator.storedToDecision.evaluations).toBeGreaterThan(0);
    expect(health.evaluator.storedToDecision.maxMs).toBeLessThan(Date.now() - sending);
    const metrics = (await api("/api/metrics")).body as string;
    expect(metrics).toContain(`verdict_evaluator_stored_to_decision_seconds_count ${health.evaluator.evaluations.events}\n`);
    const feed = (await api("/api/v1/decisions?experiment=harm-http")).body.decisions;
    expect(feed.every((d: any) => d.trigger === "events")).toBe(true);
    console.log(
      `[decisions-trigger-http] rolled back ${afterMs} ms after the last event was acknowledged; ${feed.reduce((n: number, d: any) => n + d.evaluations, 0)} evaluations in ${feed.length} decisions; last event-triggered latency ${health.evaluator.lastEventLatencyMs} ms`,
    );
  });
});
