/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// Issue 16 part 2: a stored decision records the version of each stored metric definition it used
// (built-ins are not versioned and are left out), so that it replays with that definition after an
// edit. Real chDB and PGlite, through the routes.
import { beforeAll, describe, expect, it } from "vitest";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as evaluate from "@/app/api/v1/experiments/[key]/evaluate/route";
import * as decision from "@/app/api/v1/experiments/[key]/decision/route";
import * as feed from "@/app/api/v1/decisions/route";
import * as metrics from "@/app/api/v1/metrics/route";
import * as metric from "@/app/api/v1/metrics/[key]/route";
import * as results from "@/app/api/v1/experiments/[key]/results/route";
import { chInsert } from "@/db/clickhouse/client";
import { getExperiment } from "@/server/experiments/get";
import { definitionAt } from "@/server/metrics/versions";
import { call, setupStores } from "./helpers/app";

beforeAll(setupStores);

let seq = 0;
async function plant(key: string, users: number): Promise<void> {
  const startedAt = Date.parse((await getExperiment({ key })).startedAt as string);
  const ts = (ms: number) => new Date(ms).toISOString();
  const rows: Record<string, unknown>[] = [];
  for (const variant of ["control", "treatment"]) {
    for (let u = 0; u < users; u++) {
      const user = `${key}-${variant}-${u}`;
      rows.push({ id: `d${++seq}`, type: "exposure", user_id: user, experiment: key, variant, timestamp: ts(startedAt + 1 + u) });
      rows.push({ id: `d${++seq}`, type: "request", user_id: user, value: 1, timestamp: ts(startedAt + 100 + u) });
      if (u % 3 === 0) rows.push({ id: `d${++seq}`, type: "metric", name: "checkout", user_id: user, value: 10 + (u % 7), timestamp: ts(startedAt + 200 + u) });
    }
  }
  await chInsert("events", rows);
}

describe("decisions record the metric definition versions they used", () => {
  it("an edit after a decision leaves the decision's recorded version and definition intact; the next decision uses the new version", async () => {
    const created = await call(metrics.POST, {
      body: { key: "checkout_value", label: "Checkout value", kind: "mean", numerator: { type: "metric", name: "checkout", aggregate: "sum" }, direction: "higher_is_better" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const key = "versioned-guardrail";
    const body = {
      key,
      name: key,
      strategy: "canary",
      automation: "manual",
      rollout: { minDurationMinutes: 0, minExposuresPerArm: 1000 },
      metrics: { guardrails: [{ metric: "checkout_value" }, { metric: "error_rate" }] },
    };
    expect((await call(collection.POST, { body })).status).toBe(201);
    expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
    await plant(key, 60);

    const first = await call(evaluate.POST, { params: { key } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    // stored definitions by version; error_rate (a built-in) is not versioned and left out
    expect(first.body.metricVersions).toEqual({ checkout_value: 1 });
    expect(first.body.inputs.metricVersions).toEqual({ checkout_value: 1 });
    expect(Object.keys(first.body.inputs.metrics).sort()).toEqual(["checkout_value", "error_rate"]);

    const labelOf = async () => (await call(results.GET, { params: { key }, path: `/api/v1/experiments/${key}/results` })).body.metrics.find((m: any) => m.name === "checkout_value")?.label;
    expect(await labelOf()).toBe("Checkout value");
    const edited = await call(metric.PATCH, { method: "PATCH", params: { key: "checkout_value" }, body: { label: "Checkout value (capped)", capping: { absolute: 12 } } });
    expect(edited.body.version).toBe(2);
    // results cached for version 1 are not served for version 2
    expect(await labelOf()).toBe("Checkout value (capped)");

    // the recorded decision is unchanged by the edit, and its version still resolves to the definition it used
    const stored = await call(decision.GET, { params: { key } });
    expect(stored.body).toMatchObject({ id: first.body.id, metricVersions: { checkout_value: 1 } });
    const used = await definitionAt("checkout_value", stored.body.metricVersions.checkout_value);
    expect(used).toMatchObject({ name: "checkout_value", version: 1, label: "Checkout value" });
    expect(used?.capping).toBeUndefined();
    const now = await definitionAt("checkout_value", 2);
    expect(now).toMatchObject({ version: 2, capping: { absolute: 12 } });

    // the same data evaluated again: the definition changed, so a new row, recorded with version 2
    const second = await call(evaluate.POST, { params: { key } });
    expect(second.body.metricVersions).toEqual({ checkout_value: 2 });
    expect(second.body.id).not.toBe(first.body.id);
    const rows = (await call(feed.GET, { path: `/api/v1/decisions?experiment=${key}` })).body.decisions as any[];
    expect(rows.map((r) => [r.id, r.metricVersions])).toEqual([
      [second.body.id, { checkout_value: 2 }],
      [first.body.id, { checkout_value: 1 }],
    ]);
  });
});
