// Issue 16 part 2: metric definitions through /api/v1/metrics on the real config store (PGlite):
// create / list / get / PATCH (a new version each time, audited), roles, hostile input that must
// leave the store untouched, versions, freshness across registries by NOTIFY, and experiments
// naming a stored definition.
import { beforeAll, describe, expect, it } from "vitest";
import * as audit from "@/app/api/v1/audit/route";
import * as experiments from "@/app/api/v1/experiments/route";
import * as experiment from "@/app/api/v1/experiments/[key]/route";
import * as collection from "@/app/api/v1/metrics/route";
import * as item from "@/app/api/v1/metrics/[key]/route";
import * as versions from "@/app/api/v1/metrics/[key]/versions/route";
import * as oneVersion from "@/app/api/v1/metrics/[key]/versions/[version]/route";
import { getDb } from "@/db/postgres";
import { metricDefinitionVersions, metricDefinitions } from "@/db/schema";
import { SYSTEM } from "@/server/auth/principal";
import { metricDefinition, storedMetricDefinitions, type MetricDefinition } from "@/server/evidence";
import { createApiKey } from "@/server/keys/create";
import { createMetricRegistry, ensureMetricDefinitions } from "@/server/metrics/registry";
import { definitionAt } from "@/server/metrics/versions";
import { call, setupStores } from "./helpers/app";

let viewer = "";
let manager = "";

beforeAll(async () => {
  await setupStores();
  viewer = (await createApiKey({ actor: SYSTEM, input: { name: "dashboards", kind: "server", role: "viewer" } })).token;
  manager = (await createApiKey({ actor: SYSTEM, input: { name: "deployer", kind: "server", role: "release_manager" } })).token;
});

const crashRate = {
  key: "crash_rate",
  label: "Crash rate",
  description: "Crashes per tracking view",
  kind: "ratio",
  numerator: { type: "metric", name: "crash", aggregate: "count" },
  denominator: { type: "metric", name: "tracking_view", aggregate: "count" },
  direction: "lower_is_better",
  unit: "share",
};

const create = (body: unknown, token?: string) => call(collection.POST, { body, token });
const patch = (key: string, body: unknown, token?: string) => call(item.PATCH, { method: "PATCH", params: { key }, body, token });

async function storeSnapshot(): Promise<unknown> {
  const db = await getDb();
  return { current: await db.select().from(metricDefinitions), versions: await db.select().from(metricDefinitionVersions) };
}

describe("metric definitions API", () => {
  it("creates, lists, gets and edits a definition; every edit is the next version, audited", async () => {
    const created = await create(crashRate, manager);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ ...crashRate, version: 1, builtIn: false, createdBy: "deployer" });

    const list = await call(collection.GET, { token: viewer });
    expect(list.status).toBe(200);
    const byKey = new Map(list.body.metrics.map((m: { key: string }) => [m.key, m]));
    expect(byKey.get("error_rate")).toMatchObject({ builtIn: true, version: 0, kind: "ratio", direction: "lower_is_better" });
    expect(byKey.get("crash_rate")).toMatchObject({ builtIn: false, version: 1 });

    // the engine knows it at once in this process (the write refreshes the registry)
    expect(metricDefinition("crash_rate")).toMatchObject({ kind: "ratio", version: 1, denominator: { name: "tracking_view" } });

    const edited = await patch("crash_rate", { label: "Crashes per view", capping: { absolute: 50 } }, manager);
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ label: "Crashes per view", version: 2, capping: { absolute: 50 }, updatedBy: "deployer", createdBy: "deployer" });
    expect(metricDefinition("crash_rate")).toMatchObject({ label: "Crashes per view", version: 2 });

    // a PATCH that changes nothing makes no version
    expect((await patch("crash_rate", { label: "Crashes per view" }, manager)).body.version).toBe(2);
    // null removes an optional field, as a new version
    const uncapped = await patch("crash_rate", { capping: null }, manager);
    expect(uncapped.body.version).toBe(3);
    expect(uncapped.body.capping).toBeUndefined();

    const got = await call(item.GET, { params: { key: "crash_rate" }, token: viewer });
    expect(got.body).toMatchObject({ key: "crash_rate", version: 3 });
    expect((await call(item.GET, { params: { key: "page_load_p95" }, token: viewer })).body).toMatchObject({ builtIn: true, kind: "percentile", percentile: 0.95 });
    expect((await call(item.GET, { params: { key: "nope" } })).status).toBe(404);

    const history = await call(versions.GET, { params: { key: "crash_rate" }, token: viewer });
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(history.body.versions[2].definition.label).toBe("Crash rate");
    const v2 = await call(oneVersion.GET, { params: { key: "crash_rate", version: "2" }, token: viewer });
    expect(v2.body).toMatchObject({ version: 2, definition: { capping: { absolute: 50 } } });
    expect((await call(oneVersion.GET, { params: { key: "crash_rate", version: "9" } })).status).toBe(404);

    const entries = await call(audit.GET, { path: "/api/v1/audit?entityKey=crash_rate" });
    expect(entries.body.entries.map((e: { action: string }) => e.action)).toEqual(["metric.updated", "metric.updated", "metric.created"]);
    expect(entries.body.entries[0].before.version).toBe(2);
    expect(entries.body.entries[0].after.version).toBe(3);

    // replay: each version's definition stays as it was used
    expect(await definitionAt("crash_rate", 2)).toMatchObject({ name: "crash_rate", version: 2, capping: { absolute: 50 }, label: "Crashes per view" });
    expect(await definitionAt("crash_rate", 1)).toMatchObject({ version: 1, label: "Crash rate" });
    expect((await definitionAt("crash_rate", 1))?.capping).toBeUndefined();
    expect(await definitionAt("error_rate", 0)).toMatchObject({ name: "error_rate", kind: "ratio" });
  });

  it("viewers read but may not write; a key that is taken is 409", async () => {
    const before = await storeSnapshot();
    const refused = await create({ ...crashRate, key: "viewer_metric" }, viewer);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    expect((await patch("crash_rate", { label: "x" }, viewer)).status).toBe(403);
    expect(await storeSnapshot()).toEqual(before);
    expect((await call(collection.GET, { token: viewer })).status).toBe(200);
    const taken = await create(crashRate, manager);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("conflict");
  });

  it("built-ins are read-only", async () => {
    const res = await patch("error_rate", { label: "Errors" });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("built-in");
    expect(res.body.error.details).toMatchObject({ key: "error_rate", builtIn: true });
    expect((await call(versions.GET, { params: { key: "error_rate" } })).status).toBe(404);
  });

  it("refuses hostile and inconsistent input with a 400 naming the field, and stores nothing", async () => {
    const before = await storeSnapshot();
    const filter = (property: string) => ({ property, op: "eq", value: "android" });
    const cases: [string, unknown, string][] = [
      ["lone surrogate in the label", { ...crashRate, key: "s1", label: "bad \ud800" }, "label"],
      ["NUL in the description", { ...crashRate, key: "s2", description: "a\u0000b" }, "description"],
      ["a 10k-character property name", { ...crashRate, key: "s3", numerator: { ...crashRate.numerator, where: [filter("p".repeat(10_000))] } }, "numerator.where.0.property"],
      ["a where with 1000 filters", { ...crashRate, key: "s4", numerator: { ...crashRate.numerator, where: Array.from({ length: 1000 }, (_, i) => filter(`p${i}`)) } }, "numerator.where"],
      ["a key colliding with a built-in", { ...crashRate, key: "error_rate" }, "key"],
      ["a ratio without denominator", { ...crashRate, key: "s5", denominator: undefined }, "denominator"],
      ["a mean with a denominator", { ...crashRate, key: "s6", kind: "mean" }, "denominator"],
      ["a percentile without level", { ...crashRate, key: "s7", kind: "percentile", denominator: undefined }, "percentile"],
      ["a percentile level out of range", { ...crashRate, key: "s8", kind: "percentile", denominator: undefined, percentile: 0.999 }, "percentile"],
      ["a capped percentile", { ...crashRate, key: "s9", kind: "percentile", denominator: undefined, percentile: 0.9, capping: { percentile: 0.99 } }, "capping"],
      ["a metric event without name", { ...crashRate, key: "s10", numerator: { type: "metric", aggregate: "count" } }, "numerator.name"],
      ["'in' with a scalar", { ...crashRate, key: "s11", numerator: { ...crashRate.numerator, where: [{ property: "platform", op: "in", value: "ios" }] } }, "numerator.where.0.value"],
      ["'eq' with an array", { ...crashRate, key: "s12", numerator: { ...crashRate.numerator, where: [{ property: "platform", op: "eq", value: ["ios"] }] } }, "numerator.where.0.value"],
      ["'exists' with a value", { ...crashRate, key: "s13", numerator: { ...crashRate.numerator, where: [{ property: "platform", op: "exists", value: 1 }] } }, "numerator.where.0.value"],
      [
        "'in' with 101 values",
        { ...crashRate, key: "s14", numerator: { ...crashRate.numerator, where: [{ property: "p", op: "in", value: Array.from({ length: 101 }, (_, i) => i) }] } },
        "numerator.where.0.value",
      ],
      ["capping percentile 0.5", { ...crashRate, key: "s15", capping: { percentile: 0.5 } }, "capping"],
      ["capping absolute 0", { ...crashRate, key: "s16", capping: { absolute: 0 } }, "capping"],
      ["an upper-case key", { ...crashRate, key: "CrashRate" }, "key"],
      ["a 101-character label", { ...crashRate, key: "s17", label: "l".repeat(101) }, "label"],
      ["a 1001-character description", { ...crashRate, key: "s18", description: "d".repeat(1001) }, "description"],
      ["an unknown field", { ...crashRate, key: "s19", sql: "drop table" }, "(root)"],
    ];
    for (const [what, body, field] of cases) {
      const res = await create(body, manager);
      expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(400);
      expect(res.body.error.code, what).toBe("validation_failed");
      const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
      expect(
        paths.some((p) => p === field || p.startsWith(`${field}.`)),
        `${what}: ${paths.join(", ")}`,
      ).toBe(true);
    }
    // the same rules on the merged result of a PATCH
    const mean = await patch("crash_rate", { kind: "mean" }, manager);
    expect(mean.status).toBe(400);
    expect(mean.body.error.details.map((d: { path: string }) => d.path)).toContain("denominator");
    expect((await patch("crash_rate", { label: "\ud800" }, manager)).status).toBe(400);
    expect((await patch("crash_rate", {}, manager)).status).toBe(400);
    expect(await storeSnapshot()).toEqual(before);
  });

  it("another registry on the same store hears a change by NOTIFY and reloads", async () => {
    let applied: MetricDefinition[] = [];
    const other = createMetricRegistry((defs) => {
      applied = defs;
    });
    await other.ensure();
    expect(other.listening()).toBe(true);
    expect(applied.find((d) => d.name === "crash_rate")?.version).toBe(3);
    const res = await patch("crash_rate", { description: "edited elsewhere" }, manager);
    expect(res.body.version).toBe(4);
    // the notification is delivered on commit; the other registry reloads on its own
    await expect.poll(() => applied.find((d) => d.name === "crash_rate")?.version, { timeout: 5000 }).toBe(4);
    expect(applied.find((d) => d.name === "crash_rate")?.description).toBe("edited elsewhere");
    await other.close();
  });

  it("the process registry follows a write it did not make (another instance's commit, by NOTIFY only)", async () => {
    await ensureMetricDefinitions();
    const db = await getDb();
    const definition = { ...crashRate, key: "foreign_metric", label: "Written by another instance", denominator: undefined, kind: "mean" };
    delete (definition as { denominator?: unknown }).denominator;
    await db.transaction(async (tx) => {
      await tx.insert(metricDefinitions).values({ key: "foreign_metric", version: 1, definition, createdBy: "elsewhere", updatedBy: "elsewhere" });
      await tx.insert(metricDefinitionVersions).values({ key: "foreign_metric", version: 1, definition, createdBy: "elsewhere" });
      const { notifyMetricsChanged } = await import("@/server/metrics/registry");
      await notifyMetricsChanged(tx, "foreign_metric");
    });
    await expect.poll(() => storedMetricDefinitions().find((d) => d.name === "foreign_metric")?.label, { timeout: 5000 }).toBe("Written by another instance");
  });

  it("an experiment names a stored definition as a guardrail; an unknown name that is not a metric event name is refused", async () => {
    const res = await call(experiments.POST, {
      body: { key: "live-map", name: "Live map", strategy: "ab", metrics: { primary: "engagement_rate", guardrails: [{ metric: "crash_rate", tolerance: 0.1 }], secondary: ["foreign_metric"] } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.metrics.guardrails).toEqual([{ metric: "crash_rate", tolerance: 0.1 }]);
    // legacy: a bare metric event name is still an implicit custom metric
    const legacy = await call(experiments.POST, { body: { key: "legacy", name: "Legacy", strategy: "ab", metrics: { primary: "checkout_value" } } });
    expect(legacy.status, JSON.stringify(legacy.body)).toBe(201);
    const bad = await call(experiments.POST, { body: { key: "bad-metric", name: "Bad", strategy: "ab", metrics: { primary: "engagement_rate", guardrails: [{ metric: "crash rate!" }] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toContain("metrics.guardrails.0.metric");
    // the same check on an edit; the experiment is left as it was
    const edit = (metrics: unknown) => call(experiment.PATCH, { method: "PATCH", params: { key: "live-map" }, body: { metrics } });
    const refused = await edit({ primary: "no such metric", guardrails: [{ metric: "crash_rate" }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((d: { path: string }) => d.path)).toEqual(["metrics.primary"]);
    expect((await call(experiment.GET, { params: { key: "live-map" } })).body.metrics.primary).toBe("engagement_rate");
    const accepted = await edit({ primary: "crash_rate", guardrails: [{ metric: "error_rate" }] });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.metrics.primary).toBe("crash_rate");
  });
});
