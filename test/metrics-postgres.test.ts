// Metric definitions on a Postgres server: migration 0007 applies, and a definition another instance
// writes (its own connection, NOTIFY in its transaction) reaches this process's registry by LISTEN,
// without any write here. Runs when DATABASE_URL names a Postgres server (.ci/run sets it).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { call } from "./helpers/app";
import { adminQuery, serverUrl, useServerDatabase, warnIfNoServer } from "./helpers/postgres-server";

warnIfNoServer("test/metrics-postgres.test.ts");

const dbName = `verdict_test_metrics_${randomBytes(4).toString("hex")}`;

describe.skipIf(!serverUrl)("metric definitions on a Postgres server", () => {
  useServerDatabase(dbName);

  it("creates and versions a definition through the API, and hears another instance's write by NOTIFY", async () => {
    const collection = await import("@/app/api/v1/metrics/route");
    const item = await import("@/app/api/v1/metrics/[key]/route");
    const { ensureMetricDefinitions, metricRegistry } = await import("@/server/metrics/registry");
    const { metricDefinition } = await import("@/server/evidence");
    const created = await call(collection.POST, {
      body: {
        key: "crash_rate",
        label: "Crash rate",
        kind: "ratio",
        numerator: { type: "metric", name: "crash", aggregate: "count" },
        denominator: { type: "metric", name: "tracking_view", aggregate: "count" },
        direction: "lower_is_better",
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await call(item.PATCH, { method: "PATCH", params: { key: "crash_rate" }, body: { label: "Crashes" } })).body.version).toBe(2);

    await ensureMetricDefinitions();
    expect(metricRegistry().listening()).toBe(true);
    // another instance: its own connection, the row and the NOTIFY in one transaction
    const definition = { key: "foreign_metric", label: "From elsewhere", description: "", kind: "mean", numerator: { type: "metric", name: "x", aggregate: "sum" }, direction: "higher_is_better" };
    await adminQuery(
      `BEGIN; INSERT INTO metric_definitions (key, version, definition, created_by, updated_by) VALUES ('foreign_metric', 1, '${JSON.stringify(definition)}', 'other', 'other'); SELECT pg_notify('verdict_metrics_changed', 'foreign_metric'); COMMIT;`,
      dbName,
    );
    await expect.poll(() => metricDefinition("foreign_metric")?.label, { timeout: 5000, interval: 20 }).toBe("From elsewhere");
    expect(metricDefinition("foreign_metric")?.version).toBe(1);
  });

  it("a change made while its listening connection was down is picked up once it listens again", async () => {
    const { ensureMetricDefinitions, metricRegistry } = await import("@/server/metrics/registry");
    const { metricDefinition } = await import("@/server/evidence");
    await ensureMetricDefinitions();
    expect(metricRegistry().listening()).toBe(true);
    // the server ends the listening backend, as a failover or an idle-connection reaper would
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}' AND query ILIKE 'LISTEN%'`);
    await expect.poll(() => metricRegistry().listening(), { timeout: 5000 }).toBe(false);
    // a change whose notification nobody here hears (none is sent)
    await adminQuery(`UPDATE metric_definitions SET version = 2, definition = jsonb_set(definition, '{label}', '"Changed while down"') WHERE key = 'foreign_metric'`, dbName);
    await expect.poll(() => metricRegistry().listening(), { timeout: 10_000 }).toBe(true);
    await ensureMetricDefinitions();
    expect(metricDefinition("foreign_metric")).toMatchObject({ label: "Changed while down", version: 2 });
  });
});
