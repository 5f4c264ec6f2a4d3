// GET /api/metrics: Prometheus exposition through prom-client, readable with a viewer server key
// (what a scraper uses), with ingestion counters, spool gauges, ClickHouse latency, evaluator and
// decision counters, and per experiment and variant the guardrail values and the recommendation.
import { beforeAll, describe, expect, it } from "vitest";
import * as metrics from "@/app/api/metrics/route";
import * as events from "@/app/api/v1/events/route";
import { chQuery } from "@/db/clickhouse/client";
import { SYSTEM } from "@/server/auth/principal";
import { runEvaluatorTick } from "@/server/decisions/loop";
import { createApiKey } from "@/server/keys/create";
import { getResults } from "@/server/results/get";
import { runSimulation } from "@/simulator";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";
import { createRunning, evaluateNow, transport } from "./helpers/rollouts";

let viewerKey = "";

beforeAll(async () => {
  await setupStores();
  viewerKey = (await createApiKey({ actor: SYSTEM, input: { name: "prometheus", kind: "server", role: "viewer" } })).token;
});

async function scrape(): Promise<string> {
  const res = await call(metrics.GET, { token: viewerKey });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body as string;
}

/** The value of one sample, by metric name and exact label set (as printed). */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("GET /api/metrics", () => {
  it("needs a viewer (a server key with the viewer role scrapes it); a client key may not", async () => {
    expect((await call(metrics.GET, { token: null })).status).toBe(401);
    expect((await call(metrics.GET, { token: TEST_CLIENT_KEY })).status).toBe(403);
    const text = await scrape();
    expect(text).toMatch(/^# HELP verdict_ingest_events_accepted_total /m);
    expect(text).toMatch(/^# TYPE verdict_clickhouse_duration_seconds histogram$/m);
    expect(text).toMatch(/^verdict_process_resident_memory_bytes /m);
    expect(text).toMatch(/^verdict_nodejs_eventloop_lag_seconds /m);
  });

  it("counts accepted and rejected events, shows the spool, and times ClickHouse", async () => {
    const before = await scrape();
    const body = {
      events: [
        { id: "m-1", type: "engagement", userId: "u1" },
        { id: "m-2", type: "page_load", userId: "u1", value: 640 },
        { id: "m-3", type: "feedback", userId: "u1", value: 9 },
      ],
    };
    const res = await call(events.POST, { token: TEST_CLIENT_KEY, body });
    expect(res.body).toMatchObject({ accepted: 2, rejected: [{ index: 2 }] });
    const code = res.body.rejected[0].code as string;
    await chQuery("SELECT 1"); // the registry exists since the first scrape: this query is timed
    const after = await scrape();
    expect((sample(after, "verdict_ingest_events_accepted_total", 'source="api"') ?? 0) - (sample(before, "verdict_ingest_events_accepted_total", 'source="api"') ?? 0)).toBe(2);
    expect((sample(after, "verdict_ingest_events_rejected_total", `code="${code}"`) ?? 0) - (sample(before, "verdict_ingest_events_rejected_total", `code="${code}"`) ?? 0)).toBe(1);
    expect(sample(after, "verdict_ingest_spool_events")).toBeGreaterThanOrEqual(0);
    expect(sample(after, "verdict_ingest_spool_max_bytes")).toBeGreaterThan(0);
    expect(sample(after, "verdict_clickhouse_duration_seconds_count", 'operation="query",outcome="ok"')).toBeGreaterThan(0);
  });

  it("exposes the current recommendation and the guardrail values per experiment and variant, feedback included", async () => {
    await createRunning({ key: "monitored", name: "Monitored canary", strategy: "canary", automation: "manual", rollout: { stages: [50, 100], minExposuresPerArm: 100, minDurationMinutes: 0 } });
    await runSimulation({ transport: transport(), experiment: "monitored", users: 1500, seed: 5, userPrefix: "mon-", profile: { feedbackProbability: 0.3 }, effects: { treatment: { errorRate: 3 } } });
    const before = await scrape();
    const decision = await evaluateNow("monitored");
    const tick = await runEvaluatorTick();
    expect(tick.evaluated.map((e) => e.key)).toContain("monitored");
    const text = await scrape();
    // the evaluations count how their summaries were served: the first one built the rollup
    const served = (t: string) => ["stored", "rollup", "events"].reduce((a, s) => a + (sample(t, "verdict_results_summaries_total", `source="${s}"`) ?? 0), 0);
    expect(served(text) - served(before)).toBeGreaterThanOrEqual(2);
    expect((sample(text, "verdict_results_rollup_refreshes_total", 'kind="full"') ?? 0) - (sample(before, "verdict_results_rollup_refreshes_total", 'kind="full"') ?? 0)).toBeGreaterThanOrEqual(1);
    // and so does a results request
    await getResults({ key: "monitored" });
    expect(served(await scrape()) - served(text)).toBe(1);
    const rec = decision.recommendation as string;
    for (const r of ["promote", "hold", "rollback"]) {
      expect(sample(text, "verdict_experiment_recommendation", `experiment="monitored",recommendation="${r}"`), r).toBe(r === rec ? 1 : 0);
    }
    expect(rec).toBe("rollback");
    expect(sample(text, "verdict_experiment_reason", 'experiment="monitored",code="guardrail_harm"')).toBe(1);
    const errorRate = (variant: string) => sample(text, "verdict_experiment_metric_value", `experiment="monitored",variant="${variant}",metric="error_rate",role="guardrail"`);
    expect(errorRate("control")).toBeGreaterThan(0.005);
    expect(errorRate("treatment")! / errorRate("control")!).toBeGreaterThan(2);
    const feedback = sample(text, "verdict_experiment_metric_value", 'experiment="monitored",variant="treatment",metric="feedback_score",role="guardrail"');
    expect(feedback).toBeGreaterThan(3);
    expect(feedback).toBeLessThan(5);
    expect(sample(text, "verdict_experiment_metric_relative_change", 'experiment="monitored",metric="error_rate",variant="treatment",test="harm"')).toBeGreaterThan(1);
    expect(sample(text, "verdict_experiment_exposures", 'experiment="monitored",variant="treatment"')).toBeGreaterThan(500);
    expect(sample(text, "verdict_experiment_info", 'experiment="monitored",status="running",strategy="canary",automation="manual"')).toBe(1);
    expect(sample(text, "verdict_experiment_exposure_percent", 'experiment="monitored"')).toBe(50);
    expect(sample(text, "verdict_decisions_total", 'recommendation="rollback"')).toBeGreaterThanOrEqual(2);
    expect(sample(text, "verdict_evaluator_runs_total")).toBeGreaterThanOrEqual(1);
  });
});
