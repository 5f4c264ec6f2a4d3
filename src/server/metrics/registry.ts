// Keeps the engine's stored metric definitions (setStoredMetricDefinitions) equal to the config
// store's current ones, on every instance. A write runs pg_notify(METRICS_CHANGED_CHANNEL, key) in
// its transaction, so the notification is delivered on commit; every instance LISTENs and reloads.
// While an instance is not listening (starting, or its connection dropped and is reconnecting), a
// missed notification is possible, so it reloads at most every NOT_LISTENING_TTL_MS instead of
// trusting what it has. Callers that compute results or decisions await ensureMetricDefinitions()
// first: cheap (no query) when loaded and listening.
import { sql } from "drizzle-orm";
import { getDb, listen, type Db } from "@/db/postgres";
import { metricDefinitions } from "@/db/schema";
import { processSingleton } from "@/core/process-singleton";
import { setStoredMetricDefinitions, type MetricDefinition } from "@/server/evidence";
import { toEngine } from "./convert";
import type { MetricDefinitionInput } from "./schemas";

export const METRICS_CHANGED_CHANNEL = "verdict_metrics_changed";

const NOT_LISTENING_TTL_MS = 1000;
const RETRY_MS = 5000;

export interface MetricRegistry {
  /** resolves once the current definitions are loaded (a query only when stale) */
  ensure(): Promise<void>;
  /** marks the definitions stale and reloads them (after a write of this process) */
  refresh(): Promise<void>;
  /** the definitions it last loaded */
  current(): readonly MetricDefinition[];
  listening(): boolean;
  close(): Promise<void>;
}

/** The current stored definitions, as the engine reads them. */
export async function loadStoredDefinitions(db?: Db): Promise<MetricDefinition[]> {
  const rows = await (db ?? (await getDb())).select({ definition: metricDefinitions.definition, version: metricDefinitions.version }).from(metricDefinitions);
  return rows.map((r) => toEngine(r.definition as MetricDefinitionInput, r.version));
}

/**
 * A registry that hands what it loads to `apply`. The process has one (metricRegistry(), applying to
 * the engine); tests make a second to play another instance on the same store.
 */
export function createMetricRegistry(apply: (defs: MetricDefinition[]) => void): MetricRegistry {
  let defs: MetricDefinition[] = [];
  let loadedAt = 0;
  let fresh = false;
  let generation = 0;
  let isListening = false;
  let started: Promise<void> | undefined;
  let retryAt = 0;
  let loading: Promise<void> | undefined;
  let unlisten: (() => Promise<void>) | undefined;

  const stale = () => {
    fresh = false;
    generation++;
  };

  const startListening = (): Promise<void> => {
    if (started || Date.now() < retryAt) return started ?? Promise.resolve();
    started = listen(METRICS_CHANGED_CHANNEL, () => void reload().catch(() => {}), {
      onListening: () => {
        isListening = true;
        stale(); // whatever changed while not listening was not heard
      },
      onLost: () => {
        isListening = false;
        stale();
      },
      onClosed: () => {
        isListening = false;
        started = undefined;
        stale();
      },
    })
      .then((u) => {
        unlisten = u;
      })
      .catch((e: unknown) => {
        started = undefined;
        retryAt = Date.now() + RETRY_MS;
        console.error(`[verdict] metric definitions listener: ${(e as Error).message}; definitions are reloaded every ${NOT_LISTENING_TTL_MS / 1000} s until it works`);
      });
    return started;
  };

  const load = (): Promise<void> => {
    loading ??= (async () => {
      try {
        // a change notified while this query runs is either in its result or makes the next ensure reload
        const at = generation;
        const next = await loadStoredDefinitions();
        defs = next;
        apply(next);
        loadedAt = Date.now();
        if (at === generation) fresh = true;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  };

  async function reload(): Promise<void> {
    stale();
    // a load in flight may predate the change: wait for it, then load again
    if (loading) await loading.catch(() => {});
    await load();
  }

  return {
    async ensure() {
      await startListening();
      if (fresh && (isListening || Date.now() - loadedAt < NOT_LISTENING_TTL_MS)) return;
      await load();
      if (!fresh) await load();
    },
    refresh: reload,
    current: () => defs,
    listening: () => isListening,
    async close() {
      await unlisten?.();
      unlisten = undefined;
      started = undefined;
      isListening = false;
      stale();
    },
  };
}

const holder = processSingleton("metrics.registry", () => ({ registry: undefined as MetricRegistry | undefined }));

export function metricRegistry(): MetricRegistry {
  holder.registry ??= createMetricRegistry((defs) => setStoredMetricDefinitions(defs));
  return holder.registry;
}

/** Await before reading metric definitions for results or decisions: loads the stored ones into the engine when stale. */
export function ensureMetricDefinitions(): Promise<void> {
  return metricRegistry().ensure();
}

/** Call inside the transaction of any change to metric_definitions. */
export async function notifyMetricsChanged(tx: Pick<Db, "execute">, key: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${METRICS_CHANGED_CHANNEL}, ${key})`);
}
