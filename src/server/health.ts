import { appliedEventStoreMigrations } from "@/db/clickhouse/migrate";
import { eventStoreInfo, pingEventStore } from "@/db/clickhouse/client";
import { configMigrations, configStoreInfo } from "@/db/postgres";
import { processSingleton } from "@/core/process-singleton";

type Probe = Record<string, unknown> & { ok: boolean };

async function probe(fn: () => Promise<Record<string, unknown>>): Promise<Probe> {
  try {
    return { ok: true, ...(await fn()) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export interface HealthOptions {
  /** the caller is signed in or holds a management key: error details may quote stored data */
  detailed?: boolean;
}

/**
 * A domain's part of the report: its sections, plus `problems` (human-readable) that turn the
 * status `degraded` without making the instance unhealthy for a load balancer (HTTP stays 200).
 */
export type HealthSection = (opts: HealthOptions) => Promise<Record<string, unknown> & { problems?: string[] }>;

// One list per process even if the bundler duplicates this module (instrumentation registers the
// sections, the health route reads them from its own bundle).
const extras = processSingleton<HealthSection[]>("health.extras", () => []);

/** Domains add their own health sections (e.g. ingestion's spool depth). */
export function registerHealthSection(fn: HealthSection): void {
  extras.push(fn);
}

export async function health(opts: HealthOptions = {}) {
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
  const problems: string[] = [];
  const results = await Promise.all(extras.map((fn) => fn(opts).catch((e) => ({ error: (e as Error).message }) as Record<string, unknown>)));
  const sections: Record<string, unknown> = {};
  for (const { problems: p, ...rest } of results as (Record<string, unknown> & { problems?: string[] })[]) {
    if (Array.isArray(p)) problems.push(...p);
    Object.assign(sections, rest);
  }
  if (!postgres.ok) problems.unshift("the config store is unreachable");
  if (!clickhouse.ok) problems.unshift("the event store is unreachable");
  return { status: problems.length === 0 ? "ok" : "degraded", problems, stores: { postgres, clickhouse }, ...sections };
}

/** 503 only when a store is down (take the instance out of rotation); `degraded` otherwise stays 200. */
export function healthHttpStatus(report: { stores: { postgres: Probe; clickhouse: Probe } }): number {
  return report.stores.postgres.ok && report.stores.clickhouse.ok ? 200 : 503;
}
