import { describe, expect, it } from "vitest";
import { expandMacros, loadMigrations } from "@/db/clickhouse/migrate";

describe("ClickHouse migrations", () => {
  it("are numbered, unique and non-empty", () => {
    const migrations = loadMigrations();
    expect(migrations.length).toBeGreaterThan(1);
    expect(migrations.map((m) => m.version)).toEqual([...new Set(migrations.map((m) => m.version))].sort((a, b) => a - b));
    for (const m of migrations) expect(m.statements.length, m.name).toBeGreaterThan(0);
  });

  it("expand to single-node DDL without macros left over", () => {
    for (const m of loadMigrations()) {
      for (const s of m.statements) {
        const single = expandMacros(s, undefined, "verdict");
        expect(single, m.name).not.toMatch(/\{\{|ON CLUSTER|Replicated|Distributed/);
      }
    }
  });

  it("expand to replicated tables behind Distributed ones on a cluster", () => {
    const sql = "CREATE TABLE IF NOT EXISTS {{local:events}} {{on_cluster}} (id String, user_id String) ENGINE = {{engine:ReplacingMergeTree(received_at)}} ORDER BY id;\n{{distributed:events}}";
    const out = expandMacros(sql, "prod", "verdict");
    expect(out).toContain("CREATE TABLE IF NOT EXISTS events_local ON CLUSTER prod");
    expect(out).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', received_at)");
    expect(out).toContain("CREATE TABLE IF NOT EXISTS events ON CLUSTER prod AS events_local ENGINE = Distributed(prod, verdict, events_local, cityHash64(user_id))");
    expect(expandMacros("ENGINE = {{engine:AggregatingMergeTree}}", "prod", "verdict")).toBe(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    );
  });
});

const serverUrl = process.env.VERDICT_TEST_CLICKHOUSE_URL;
if (!serverUrl) console.warn("[skipped] ClickHouse server tests: set CLICKHOUSE_URL to a ClickHouse server to run them");

describe.skipIf(!serverUrl)("event store on a ClickHouse server (CLICKHOUSE_URL)", () => {
  it("migrates and answers queries with the same shapes as chDB", async () => {
    process.env.CLICKHOUSE_URL = serverUrl;
    process.env.CLICKHOUSE_DATABASE = `verdict_test_${process.pid}`;
    const { migrateEventStore } = await import("@/db/clickhouse/migrate");
    const { chQuery, chCommand } = await import("@/db/clickhouse/client");
    await migrateEventStore();
    const [row] = await chQuery<{ n: number; s: string }>("SELECT toUInt64(42) AS n, {s:String} AS s", { s: "x" });
    expect(row).toEqual({ n: 42, s: "x" });
    await chCommand(`DROP DATABASE ${process.env.CLICKHOUSE_DATABASE}`);
  });
});
