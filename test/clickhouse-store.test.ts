import { describe, expect, it } from "vitest";
import { expandMacros, loadMigrations, parseMigration } from "@/db/clickhouse/migrate";

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

  // Every real migration as a cluster would run it: each statement the migrator sends must be
  // exactly one statement that ClickHouse's parser accepts (chDB's formatQuery parses without
  // executing, so ON CLUSTER and Replicated engines need no cluster). A missing ";" after a
  // {{distributed:...}} macro glues two CREATE TABLEs together only here: on one node it is "".
  it("expand, on a cluster, to statements ClickHouse's parser accepts one at a time", async () => {
    const { chQuery } = await import("@/db/clickhouse/client");
    const failures: string[] = [];
    let distributed = 0;
    for (const m of loadMigrations()) {
      for (const s of m.statements) {
        const sql = expandMacros(s, "prod", "verdict").trim();
        if (!sql) continue;
        expect(sql, m.name).not.toMatch(/\{\{/);
        try {
          const [row] = await chQuery<{ f: string }>("SELECT formatQuery({sql:String}) AS f", { sql });
          if (/ENGINE = Distributed\(prod, verdict, \w+_local, cityHash64\(user_id\)\)/.test(row.f)) distributed++;
        } catch (e) {
          failures.push(`${m.name}: ${(e as Error).message.slice(0, 200)}\n  in: ${sql.slice(0, 300)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // events, first_exposures, results_user_rollup, results_rollup_state, results_summaries
    expect(distributed).toBeGreaterThanOrEqual(5);
  });

  it("refuse a {{distributed:...}} macro glued to another statement, on any deployment", () => {
    const table = "CREATE TABLE IF NOT EXISTS {{local:a}} {{on_cluster}} (user_id String) ENGINE = {{engine:MergeTree}} ORDER BY user_id;\n\n";
    const next = "\n\nCREATE TABLE b (x String) ENGINE = Memory;\n";
    expect(() => parseMigration("0001_glued.sql", `${table}{{distributed:a}}${next}`)).toThrow(/0001_glued\.sql: a \{\{distributed:\.\.\.\}\} macro must be a statement of its own/);
    expect(parseMigration("0001_fine.sql", `${table}{{distributed:a}};${next}`).statements).toHaveLength(3);
  });

  it("expand engines to their replicated form on a cluster", () => {
    expect(expandMacros("ENGINE = {{engine:AggregatingMergeTree}}", "prod", "verdict")).toBe("ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')");
    expect(expandMacros("ENGINE = {{engine:ReplacingMergeTree(v)}}", "prod", "verdict")).toBe("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', v)");
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
