// Numbered ClickHouse migrations (migrations/NNNN_name.sql), applied once each and recorded in
// schema_migrations. Files are written for one node; a few macros turn them into cluster DDL:
//   {{on_cluster}}              -> "" | "ON CLUSTER <name>"
//   {{local:events}}            -> "events" | "events_local"   (the table that stores rows)
//   {{engine:ReplacingMergeTree(v)}} -> same | "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', v)"
//   {{distributed:events}}      -> "" | a Distributed table "events" in front of events_local
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chCommand, chQuery, eventStoreInfo } from "./client";

export interface ClickHouseMigration {
  version: number;
  name: string;
  statements: string[];
}

export function expandMacros(sqlText: string, cluster: string | undefined, database: string): string {
  return sqlText
    .replace(/\{\{on_cluster\}\}/g, cluster ? `ON CLUSTER ${cluster}` : "")
    .replace(/\{\{local:(\w+)\}\}/g, (_, t: string) => (cluster ? `${t}_local` : t))
    .replace(/\{\{engine:(\w*MergeTree)(?:\(([^)]*)\))?\}\}/g, (_, engine: string, args: string | undefined) => {
      if (!cluster) return `${engine}${args !== undefined ? `(${args})` : ""}`;
      const replicated = [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`, ...(args ? [args] : [])];
      return `Replicated${engine}(${replicated.join(", ")})`;
    })
    .replace(/\{\{distributed:(\w+)\}\}/g, (_, t: string) =>
      cluster ? `CREATE TABLE IF NOT EXISTS ${t} ON CLUSTER ${cluster} AS ${t}_local ENGINE = Distributed(${cluster}, ${database}, ${t}_local, cityHash64(user_id))` : "",
    );
}

// The paths are spelled out inline (not a variable) so that Next's file tracing can follow them.
export function loadMigrations(): ClickHouseMigration[] {
  return readdirSync(join(process.cwd(), "src", "db", "clickhouse", "migrations"))
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => parseMigration(file, readFileSync(join(process.cwd(), "src", "db", "clickhouse", "migrations", file), "utf8")));
}

export function parseMigration(file: string, text: string): ClickHouseMigration {
  const statements = text
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter(Boolean);
  // {{distributed:x}} expands to a whole CREATE TABLE on a cluster and to nothing on one node:
  // glued to another statement (a missing ';') it breaks only clusters, so refuse it everywhere.
  for (const st of statements) {
    if (/\{\{distributed:\w+\}\}/.test(st) && !/^\{\{distributed:\w+\}\}$/.test(st)) {
      throw new Error(`ClickHouse migration ${file}: a {{distributed:...}} macro must be a statement of its own (end it and the statement before it with ';')`);
    }
  }
  return { version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ""), statements };
}

export async function migrateEventStore(): Promise<number[]> {
  const { cluster, database } = await eventStoreInfo();
  const onCluster = cluster ? `ON CLUSTER ${cluster}` : "";
  const engine = cluster ? "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')" : "ReplacingMergeTree";
  await chCommand(`CREATE TABLE IF NOT EXISTS schema_migrations ${onCluster} (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ${engine} ORDER BY version`);
  const applied = new Set((await appliedEventStoreMigrations()).map((m) => m.version));
  const ran: number[] = [];
  for (const m of loadMigrations()) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements) {
      const expanded = expandMacros(statement, cluster, database).trim();
      if (expanded) await chCommand(expanded);
    }
    await chCommand("INSERT INTO schema_migrations (version, name) VALUES ({version:UInt32}, {name:String})", {
      version: m.version,
      name: m.name,
    });
    ran.push(m.version);
  }
  return ran;
}

export async function appliedEventStoreMigrations(): Promise<{ version: number; name: string }[]> {
  return chQuery<{ version: number; name: string }>("SELECT version, any(name) AS name FROM schema_migrations GROUP BY version ORDER BY version");
}
