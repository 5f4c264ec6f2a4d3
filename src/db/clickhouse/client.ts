// The one module that owns the event-store client: embedded chDB by default, a ClickHouse server
// (or cluster) with CLICKHOUSE_URL. Every query goes through here so parameters, settings, error
// wrapping and transport differences are handled in one place.
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { createClient, type ClickHouseClient, type ClickHouseSettings } from "@clickhouse/client";
import { env } from "@/core/env";
import { AppError } from "@/core/errors";
import { processSingleton } from "@/core/process-singleton";
import { StoreConnectError } from "@/db/postgres";
import { EngineSlot, type SlotClass } from "./slot";

export type QueryParams = Record<string, unknown>;

/** Formats of pre-serialised insert payloads (line-delimited, so a payload can be split anywhere). */
export type PayloadFormat = "JSONEachRow";
export type PayloadSettings = Record<string, string | number>;

/** Inserts bytes already in `format`; settings apply to this insert only. */
export type PayloadInserter = (table: string, format: PayloadFormat, payload: Buffer, settings: PayloadSettings) => Promise<void>;

interface EventStore {
  client: ClickHouseClient;
  insertPayload: PayloadInserter;
  mode: "chdb" | "server";
  describe: string;
  cluster?: string;
  database: string;
  /** embedded chDB only: the one statement at a time, chosen by class (./slot.ts) */
  slot?: EngineSlot;
}

// 64-bit integers arrive quoted over HTTP and as numbers over chDB; unquoting them everywhere gives
// one shape. Counts here stay far below 2^53.
const COMMON_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 0,
  output_format_json_quote_64bit_floats: 0,
  date_time_input_format: "best_effort",
};

const holder = processSingleton("eventStore", () => ({ store: undefined as Promise<EventStore> | undefined }));

async function open(): Promise<EventStore> {
  const e = env();
  if (e.CLICKHOUSE_URL) {
    const describe = `ClickHouse server at ${e.CLICKHOUSE_URL} (CLICKHOUSE_URL, user ${e.CLICKHOUSE_USER})`;
    const base = { url: e.CLICKHOUSE_URL, username: e.CLICKHOUSE_USER, password: e.CLICKHOUSE_PASSWORD, request_timeout: 30_000 };
    const admin = createClient({ ...base, clickhouse_settings: COMMON_SETTINGS });
    try {
      const ping = await admin.ping();
      if (!ping.success) throw ping.error;
      const onCluster = e.CLICKHOUSE_CLUSTER ? ` ON CLUSTER ${e.CLICKHOUSE_CLUSTER}` : "";
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${e.CLICKHOUSE_DATABASE}${onCluster}` });
    } catch (err) {
      throw new StoreConnectError(`Cannot connect to ${describe}: ${(err as Error).message}`);
    } finally {
      await admin.close();
    }
    const client = createClient({
      ...base,
      database: e.CLICKHOUSE_DATABASE,
      clickhouse_settings: COMMON_SETTINGS,
      compression: { request: true, response: true },
    });
    const insertPayload: PayloadInserter = async (table, format, payload, settings) => {
      const res = await client.exec({ query: `INSERT INTO ${table} FORMAT ${format}`, values: Readable.from([payload]), clickhouse_settings: settings });
      // Read the response to its end (an INSERT's is short, gzip-compressed with response
      // compression on): destroyed unread, the client logs "Premature close" and the socket
      // cannot go back to the keep-alive pool.
      res.stream.resume();
      await finished(res.stream);
    };
    return { client, insertPayload, mode: "server", describe, cluster: e.CLICKHOUSE_CLUSTER, database: e.CLICKHOUSE_DATABASE };
  }
  const path = join(e.dataDir, "clickhouse");
  const describe = `embedded chDB at ${path} (VERDICT_DATA_DIR)`;
  try {
    mkdirSync(path, { recursive: true });
    const { createChdbConnection } = await import("chdb/connection");
    // chdb types its connection against its own copy of @clickhouse/client-common; the runtime shape is the same.
    const connection = createChdbConnection({ path }) as unknown as NonNullable<Parameters<typeof createClient>[0]>["connection"];
    const client = createClient({ connection, clickhouse_settings: COMMON_SETTINGS });
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${e.CLICKHOUSE_DATABASE}` });
    await client.command({ query: `USE ${e.CLICKHOUSE_DATABASE}` });
    // The connection's raw insert, not client.exec: exec over chDB turns the payload into a JS
    // string and prefixes SET statements for the settings (which then stick to the session);
    // rawInsert hands the Buffer to the engine as is, with the settings in the INSERT's own
    // SETTINGS clause. Measured on the ingestion payloads: README.md, "Performance".
    const raw = (connection as unknown as { chdb: { rawInsert(p: { table: string; values: Buffer; format: PayloadFormat; settings: PayloadSettings }): Promise<unknown> } }).chdb;
    const slot = new EngineSlot();
    const insertPayload: PayloadInserter = (table, format, payload, settings) =>
      trackedWrite(table === "events", () => slot.run("ingest", () => raw.rawInsert({ table: `${e.CLICKHOUSE_DATABASE}.${table}`, values: payload, format, settings })).then(() => undefined));
    return { client, insertPayload, mode: "chdb", describe, database: e.CLICKHOUSE_DATABASE, slot };
  } catch (err) {
    throw new StoreConnectError(`Cannot open ${describe}: ${(err as Error).message}`);
  }
}

function eventStore(): Promise<EventStore> {
  holder.store ??= open().catch((err) => {
    holder.store = undefined;
    throw err;
  });
  return holder.store;
}

export async function eventStoreInfo(): Promise<{ mode: string; describe: string; cluster?: string; database: string }> {
  const s = await eventStore();
  return { mode: s.mode, describe: s.describe, cluster: s.cluster, database: s.database };
}

/** Raw client, for code that needs streaming or the insert API directly (ingestion, benchmarks). */
export async function getClickHouse(): Promise<ClickHouseClient> {
  return (await eventStore()).client;
}

function wrap(err: unknown, what: string): never {
  if (err instanceof AppError) throw err;
  const message = (err as Error)?.message ?? String(err);
  const code = (err as { code?: string })?.code;
  if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT" || /socket|timeout|connect/i.test(message)) {
    throw new AppError("store_unavailable", `Event store unavailable during ${what}: ${message}`);
  }
  throw new AppError("internal", `Event store error during ${what}: ${message}`, { clickhouse: message });
}

export type EventStoreOperation = "query" | "command" | "insert";
type TimingObserver = (op: EventStoreOperation, seconds: number, ok: boolean) => void;
// One list per process even if the bundler duplicates this module (instrumentation vs routes).
const observers = processSingleton<TimingObserver[]>("clickhouse.timing", () => []);

/** Monitoring subscribes here for the latency histogram of /api/metrics (keeps prom-client out of the store layer). */
export function observeEventStoreTiming(fn: TimingObserver): void {
  if (!observers.includes(fn)) observers.push(fn);
}

function timed(op: EventStoreOperation, started: number, ok: boolean): void {
  const seconds = (performance.now() - started) / 1000;
  for (const fn of observers) fn(op, seconds, ok);
}

// Writes of `events` in flight in this process (start times, epoch ms): see eventWriteHorizon.
const eventWrites = processSingleton("clickhouse.eventWritesInFlight", () => ({ next: 0, starts: new Map<number, number>() }));
const INSERT_INTO_EVENTS = /\bINSERT\s+INTO\s+(?:[`"]?\w+[`"]?\.)?[`"]?events[`"]?[\s(]/i;

/** Runs a write, counted as in flight from now when it may add rows to `events` (tests hold one open to model a slow insert). */
export async function trackedWrite<T>(ofEvents: boolean, write: () => Promise<T>): Promise<T> {
  if (!ofEvents) return write();
  const id = eventWrites.next++;
  eventWrites.starts.set(id, Date.now());
  try {
    return await write();
  } finally {
    eventWrites.starts.delete(id);
  }
}

/**
 * A time (epoch ms) at or before which every `events` row not yet visible must have been stamped
 * (`inserted_at`, now64(3) taken while the insert runs): the start of the oldest write of `events`
 * in flight, or now. Taken just before a read of the recent rows, every row that read cannot see
 * has `inserted_at` >= the horizon (its insert was in flight then, or started later). Embedded chDB
 * only, whose data directory one process writes (the same clock stamps both); null for a server,
 * which other processes write too (callers keep a fixed overlap there).
 */
export async function eventWriteHorizon(): Promise<number | null> {
  if ((await eventStore()).mode !== "chdb") return null;
  let oldest = Date.now();
  for (const at of eventWrites.starts.values()) oldest = Math.min(oldest, at);
  return oldest;
}

// No per-call settings on purpose: over chDB they are applied with SET on the one shared session and
// outlive the call. Query-scoped settings belong in the SQL's own SETTINGS clause.

/** The outermost urgentEngineWork call a statement runs in (an evaluation, around its lanes' own calls). */
interface UrgentScope {
  done: boolean;
}
const urgentWork = processSingleton("clickhouse.urgentWork", () => new AsyncLocalStorage<UrgentScope>());

/**
 * Runs `fn` with its reads and small writes in the embedded engine's urgent class (./slot.ts): an
 * evaluation whose latency shows. Until the outermost such call ends, the slot anticipates its
 * next statement after each one; a nested call runs in the outer one's scope.
 */
export async function urgentEngineWork<T>(fn: () => Promise<T>): Promise<T> {
  if (urgentWork.getStore()) return fn();
  const scope: UrgentScope = { done: false };
  try {
    return await urgentWork.run(scope, fn);
  } finally {
    scope.done = true;
    void holder.store?.then(
      (s) => s.slot?.wake(),
      () => undefined,
    );
  }
}

/** Whether the caller runs inside urgentEngineWork. */
export function inUrgentEngineWork(): boolean {
  return urgentWork.getStore() !== undefined;
}

/** Runs one statement in the engine's slot (embedded chDB), or as is (a server runs many at once). */
function inSlot<T>(store: EventStore, cls: SlotClass, op: () => Promise<T>): Promise<T> {
  if (!store.slot) return op();
  const scope = urgentWork.getStore();
  const slotCls = cls === "read" && scope ? "urgent" : cls;
  return store.slot.run(slotCls, op, scope && slotCls === "urgent" ? { continues: () => !scope.done } : {});
}

/** The embedded engine's queue (null for a server): for monitoring, benchmarks and tests; `reset` starts the counts over. */
export async function engineSlotStats(reset = false): Promise<{ queued: number; run: number; maxIngestWaitMs: number; maxReadWaitMs: number; busyMs: Record<SlotClass, number> } | null> {
  const { slot } = await eventStore();
  if (!slot) return null;
  const out = { queued: slot.queued, ...slot.stats, busyMs: { ...slot.stats.busyMs } };
  if (reset) slot.resetStats();
  return out;
}

/**
 * SELECT returning JSON rows. Values only ever travel as {name:Type} parameters. `urgent`: ahead of
 * other reads in the embedded engine's queue (./slot.ts; the evaluator's trigger).
 */
export async function chQuery<T>(query: string, params: QueryParams = {}, opts: { urgent?: boolean } = {}): Promise<T[]> {
  const store = await eventStore();
  const { client } = store;
  const started = performance.now();
  try {
    // over chDB the result is materialised when query() resolves: parsing it needs no slot
    const rs = await inSlot(store, opts.urgent ? "urgent" : "read", () => client.query({ query, query_params: params, format: "JSONEachRow" }));
    const rows = (await rs.json()) as T[];
    timed("query", started, true);
    return rows;
  } catch (err) {
    timed("query", started, false);
    wrap(err, "query");
  }
}

export async function chCommand(query: string, params: QueryParams = {}): Promise<void> {
  const store = await eventStore();
  const { client } = store;
  const started = performance.now();
  try {
    const ofEvents = INSERT_INTO_EVENTS.test(query);
    await trackedWrite(ofEvents, () => inSlot(store, ofEvents ? "ingest" : "read", () => client.command({ query, query_params: params })));
    timed("command", started, true);
  } catch (err) {
    timed("command", started, false);
    wrap(err, "command");
  }
}

export async function chInsert<T extends Record<string, unknown>>(table: string, values: T[]): Promise<void> {
  if (values.length === 0) return;
  const store = await eventStore();
  const { client } = store;
  const started = performance.now();
  try {
    await trackedWrite(table === "events", () => inSlot(store, table === "events" ? "ingest" : "read", () => client.insert({ table, values, format: "JSONEachRow" })));
    timed("insert", started, true);
  } catch (err) {
    timed("insert", started, false);
    wrap(err, `insert into ${table}`);
  }
}

/**
 * Inserts payloads already serialised in a line format, with settings scoped to the one insert on
 * both transports: the ingestion pipeline's group commits and spool batches (tests wrap it to
 * inject faults).
 */
export async function getPayloadInserter(): Promise<PayloadInserter> {
  return (await eventStore()).insertPayload;
}

export async function pingEventStore(): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  try {
    await chQuery("SELECT 1");
    return { ok: true, latencyMs: performance.now() - started };
  } catch (err) {
    return { ok: false, latencyMs: performance.now() - started, error: (err as Error).message };
  }
}

export async function closeEventStore(): Promise<void> {
  if (!holder.store) return;
  const s = await holder.store.catch(() => undefined);
  holder.store = undefined;
  // Closing chDB's session under a running statement crashes the process (SIGSEGV, seen at a
  // benchmark's exit with a rollup state write still on its way): let the slot empty first.
  await s?.slot?.idle();
  await s?.client.close();
}
