// Reads of the same SQL text with different parameters, issued in the same turn of the event loop,
// run as ONE statement over embedded chDB: the copies joined by UNION ALL, each copy's parameters
// renamed ({p:T} → {p__b3:T}), and a branch column that splits the rows again.
//
// Why: chDB runs one statement at a time (./slot.ts), and under the evaluator's load the dirty
// experiments of a user group reach their per-variant aggregation together (their rollup refreshes
// settle as one batch, src/server/evidence/rollup.ts). Ten aggregations of 100k-unit rollups cost
// 178 ms as ten statements and 110 ms as one, idle (2026-12-03, percentiles 108 vs 72 ms): the
// per-statement part of planning and pipeline start-up is paid once, and the branches share the
// engine's threads. A ClickHouse server runs statements side by side and takes parameters in the
// URL, so there each read runs as it is.
import { chQuery, eventStoreInfo, inUrgentEngineWork, urgentEngineWork, type QueryParams } from "./client";
import { processSingleton } from "@/core/process-singleton";

/** At most this many reads per statement. */
export const UNION_BATCH_MAX = 32;
const BRANCH = "__union_branch";

interface Waiting {
  params: QueryParams;
  resolve: (rows: unknown[]) => void;
  reject: (err: unknown) => void;
}
interface Lane {
  query: string;
  shape: { body: string; settings: string };
  urgent: boolean;
  waiting: Waiting[];
}
const lanes = processSingleton("clickhouseUnionLanes", () => new Map<string, Lane>());
/** Statements run by lanes and the reads they served (tests, benchmarks). */
export const unionBatchStats = processSingleton("clickhouseUnionStats", () => ({ statements: 0, reads: 0, largest: 0, fallbacks: 0 }));

/**
 * A trailing top-level SETTINGS clause (the same in every copy) is lifted out of the branches; any
 * other query shape is read as it is.
 */
function splitSettings(query: string): { body: string; settings: string } | null {
  const m = /\n\s*SETTINGS\s+[^\n()]*\s*$/.exec(query);
  const body = m ? query.slice(0, m.index) : query;
  // a SELECT (or WITH … SELECT) statement, which can stand in a subquery; none with ORDER BY, whose
  // order a UNION ALL of branches running side by side would not keep
  if (!/^\s*(WITH|SELECT)\b/i.test(body) || /\bORDER\s+BY\b/i.test(body) || body.includes(BRANCH)) return null;
  return { body, settings: m ? m[0] : "" };
}

/** Renames each {name:Type} placeholder of one branch. */
const renamed = (body: string, b: number) => body.replace(/\{(\w+):/g, (_, name: string) => `{${name}__b${b}:`);

/**
 * Like chQuery, but reads of the same `query` arriving together share one statement (chDB only).
 * Each caller gets its own rows (queries with ORDER BY are not joined). If the joint statement
 * fails, each read runs alone, so that one bad read fails only its caller.
 */
export async function chQueryBatched<T>(query: string, params: QueryParams = {}): Promise<T[]> {
  const shape = (await eventStoreInfo()).mode === "chdb" ? splitSettings(query) : null;
  if (!shape) return chQuery<T>(query, params);
  const urgent = inUrgentEngineWork();
  const id = `${urgent ? "u" : "p"}\n${query}`;
  return new Promise<T[]>((resolve, reject) => {
    const waiting: Waiting = { params, resolve: resolve as (rows: unknown[]) => void, reject };
    const lane = lanes.get(id);
    if (lane) return void lane.waiting.push(waiting);
    const fresh: Lane = { query, shape, urgent, waiting: [waiting] };
    lanes.set(id, fresh);
    // a turn of the event loop first: reads asked for together run together
    setImmediate(() => void runLane(id, fresh));
  });
}

async function runLane(id: string, lane: Lane): Promise<void> {
  // the lane stays open while its statement runs: reads arriving meanwhile join the next one
  while (lane.waiting.length > 0) {
    const batch = lane.waiting.splice(0, UNION_BATCH_MAX);
    const run = () => runBatch(lane, batch);
    await (lane.urgent ? urgentEngineWork(run) : run());
  }
  lanes.delete(id);
}

async function runBatch({ query, shape }: Lane, batch: Waiting[]): Promise<void> {
  unionBatchStats.statements++;
  unionBatchStats.reads += batch.length;
  unionBatchStats.largest = Math.max(unionBatchStats.largest, batch.length);
  if (batch.length === 1) {
    const [only] = batch;
    return chQuery(query, only.params).then(only.resolve, only.reject);
  }
  const { body, settings } = shape;
  const params: QueryParams = {};
  const branches = batch.map((w, b) => {
    for (const [k, v] of Object.entries(w.params)) params[`${k}__b${b}`] = v;
    return `SELECT ${b} AS ${BRANCH}, * FROM (${renamed(body, b)})`;
  });
  try {
    const rows = await chQuery<Record<string, unknown>>(`${branches.join("\nUNION ALL\n")}${settings}`, params);
    const per: Record<string, unknown>[][] = batch.map(() => []);
    for (const r of rows) {
      const b = Number(r[BRANCH]);
      delete r[BRANCH];
      per[b].push(r);
    }
    batch.forEach((w, b) => w.resolve(per[b]));
  } catch {
    unionBatchStats.fallbacks++;
    await Promise.all(batch.map((w) => chQuery(query, w.params).then(w.resolve, w.reject)));
  }
}
