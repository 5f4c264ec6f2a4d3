import { appliedEventStoreMigrations } from "@/db/clickhouse/migrate";
import { eventStoreInfo, pingEventStore } from "@/db/clickhouse/client";
import { configMigrations, configStoreInfo } from "@/db/postgres";

type Probe = Record<string, unknown> & { ok: boolean };

async function probe(fn: () => Promise<Record<string, unknown>>): Promise<Probe> {
  try {
    return { ok: true, ...(await fn()) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

// One list per process even if the bundler duplicates this module (instrumentation registers the
// sections, the health route reads them from its own bundle).
const extras = ((globalThis as Record<symbol, unknown>)[Symbol.for("verdict.health.extras")] ??= []) as (() => Promise<Record<string, unknown>>)[];

/** Domains add their own health sections (e.g. ingestion's spool depth). */
export function registerHealthSection(fn: () => Promise<Record<string, unknown>>): void {
  extras.push(fn);
}

export async function health() {
  const [postgres, clickhouse] = await Promise.all([
    probe(async () => {
      const info = await configStoreInfo();
      const migrations = await configMigrations();
      return { mode: info.mode, migrations: { applied: migrations.length, latest: migrations.at(-1) ?? null } };
    }),
    probe(async () => {
      const info = await eventStoreInfo();
      const ping = await pingEventStore();
      if (!ping.ok) throw new Error(ping.error);
      const applied = await appliedEventStoreMigrations();
      return { mode: info.mode, cluster: info.cluster ?? null, latencyMs: Math.round(ping.latencyMs * 10) / 10, migrations: { applied: applied.length, latest: applied.at(-1)?.name ?? null } };
    }),
  ]);
  const sections = Object.assign({}, ...(await Promise.all(extras.map((fn) => fn().catch((e) => ({ error: (e as Error).message }))))));
  const ok = postgres.ok && clickhouse.ok;
  return { status: ok ? "ok" : "degraded", stores: { postgres, clickhouse }, ...sections };
}
