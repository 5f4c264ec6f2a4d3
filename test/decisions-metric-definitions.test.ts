/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// A stored metric definition as a guardrail (issue 16 "Done when"): crash_rate = count of `metric`
// events named crash / count of those named tracking_view, defined through POST /api/v1/metrics
// (stored in Postgres, loaded into the engine's registry by the metrics domain), rolls back a canary
// whose treatment crashes more often. Events planted in chDB → results pipeline → decide() → automation.
import { beforeAll, describe, expect, it } from "vitest";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as evaluate from "@/app/api/v1/experiments/[key]/evaluate/route";
import { chInsert } from "@/db/clickhouse/client";
import type { MetricDefinition } from "@/server/evidence";
import * as metrics from "@/app/api/v1/metrics/route";
import { metricDefinition, validateMetricDefinition } from "@/server/evidence/metrics";
import { getExperiment } from "@/server/experiments/get";
import { mulberry32 } from "./helpers/analysis/random";
import { call, setupStores } from "./helpers/app";

const CRASH_RATE_API = {
  key: "crash_rate",
  label: "Crash rate",
  kind: "ratio",
  direction: "lower_is_better",
  numerator: { type: "metric", name: "crash", aggregate: "count" },
  denominator: { type: "metric", name: "tracking_view", aggregate: "count" },
  description: "Crashes per tracking view",
};
let CRASH_RATE: MetricDefinition;

beforeAll(async () => {
  await setupStores();
  const res = await call(metrics.POST, { body: CRASH_RATE_API });
  expect(res.status).toBe(201);
  CRASH_RATE = metricDefinition("crash_rate")!;
  expect(CRASH_RATE).toMatchObject({ kind: "ratio", version: 1, denominator: { name: "tracking_view" } });
});

let seq = 0;
/** Exposures since the experiment's start, 10 tracking views per user, crashes at the arm's rate per view. */
async function plant(key: string, crashRate: Record<string, number>, seed: number): Promise<void> {
  const rand = mulberry32(seed);
  const startedAt = Date.parse((await getExperiment({ key })).startedAt as string);
  const window = Math.max(1, Date.now() - startedAt);
  const rows: Record<string, unknown>[] = [];
  const ts = (ms: number) => new Date(ms).toISOString();
  for (const [variant, rate] of Object.entries(crashRate)) {
    for (let u = 0; u < 400; u++) {
      const user = `${key}-${variant}-${u}`;
      const at = startedAt + Math.floor(rand() * window);
      rows.push({ id: `cr${++seq}`, type: "exposure", user_id: user, experiment: key, variant, timestamp: ts(at) });
      for (let r = 0; r < 10; r++) {
        rows.push({ id: `cr${++seq}`, type: "metric", name: "tracking_view", user_id: user, value: 1, timestamp: ts(at + 100 + r) });
        if (rand() < rate) rows.push({ id: `cr${++seq}`, type: "metric", name: "crash", user_id: user, value: 1, timestamp: ts(at + 200 + r) });
      }
    }
  }
  await chInsert("events", rows);
}

async function running(key: string): Promise<void> {
  const body = {
    key,
    name: key,
    strategy: "canary",
    automation: "auto-rollback",
    rollout: { minDurationMinutes: 0, minExposuresPerArm: 100 },
    metrics: { guardrails: [{ metric: "crash_rate", promotionMargin: 1 }] },
  };
  expect((await call(collection.POST, { body })).status).toBe(201);
  expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
}

describe("a stored metric definition as a guardrail", () => {
  it("is a valid definition", () => {
    expect(validateMetricDefinition(CRASH_RATE)).toEqual([]);
  });

  it("crash_rate (crash / tracking_view events) rolls back a canary on a planted tripling of crashes", async () => {
    await running("crashy");
    await plant("crashy", { control: 0.01, treatment: 0.04 }, 1);
    const res = await call(evaluate.POST, { params: { key: "crashy" } });
    expect(res.status).toBe(200);
    expect(res.body.recommendation).toBe("rollback");
    const harm = res.body.reasons.find((r: any) => r.code === "guardrail_harm");
    expect(harm).toMatchObject({ metric: "crash_rate", variant: "treatment" });
    expect((await getExperiment({ key: "crashy" })).status).toBe("rolled_back");
  });

  it("the same definition on equal crash rates does not roll back", async () => {
    await running("steady");
    await plant("steady", { control: 0.02, treatment: 0.02 }, 2);
    const res = await call(evaluate.POST, { params: { key: "steady" } });
    expect(res.status).toBe(200);
    expect(res.body.recommendation).not.toBe("rollback");
    expect((await getExperiment({ key: "steady" })).status).toBe("running");
  });
});
