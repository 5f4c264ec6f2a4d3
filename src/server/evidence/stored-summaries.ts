// Per-variant summary rows stored with the rollup watermark they were computed at (migration 0005).
//
// The summary queries over the rollup aggregate one row per exposed user (~0.4 s at 1M users);
// their result is a handful of per-variant rows. Until an event is stored for the experiment's
// users, the rollup keeps its watermark and those rows cannot change, so a read at the same
// watermark and with the same request signature reuses them. A new event moves the watermark
// (./rollup.ts), and the next read computes and stores them again: never stale, only reused.
// Best effort both ways: a failed read or write computes the rows, as without this table.
import { createHash } from "node:crypto";
import { chInsert, chQuery } from "@/db/clickhouse/client";
import { processSingleton } from "@/core/process-singleton";
import { STORED_SUMMARIES_SQL } from "./rollup.sql";

export type Row = Record<string, unknown>;

export interface SummaryRows {
  percentileRows: Row[];
  rows: Row[];
}

/** What identifies a request's rows besides the data: the SQL it runs and its parameters. */
export function summariesSignature(sql: string[], params: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify({ sql, params })).digest("hex");
}

/**
 * `fresh`: the watermark was just moved by this process's refresh, so no rows can be stored at it
 * yet (readers sharing that refresh may compute them twice, harmlessly): the lookup is skipped. Under
 * load each call waits ~0.3–0.5 s for chDB's one query slot (decisions/README.md "Scale").
 */
export async function storedOrComputed(
  at: { experiment: string; signature: string; watermark: number },
  compute: () => Promise<SummaryRows>,
  fresh = false,
): Promise<SummaryRows & { stored: boolean }> {
  try {
    if (!fresh) {
      await storing.get(at.experiment); // this process's own write of them, if still on its way
      const [hit] = await chQuery<{ payload: string }>(STORED_SUMMARIES_SQL, at);
      if (hit) return { ...(JSON.parse(hit.payload) as SummaryRows), stored: true };
    }
  } catch (err) {
    console.warn(`[verdict] results: reading the stored summaries of '${at.experiment}' failed, computing them: ${(err as Error).message}`);
  }
  const rows = await compute();
  // Not awaited: the reader has its rows, and the write is one more statement in chDB's one slot.
  // A later lookup of the experiment in this process waits for it, so it still finds them.
  const write = queueWrite({ ...at, payload: JSON.stringify(rows) })
    .catch((err: Error) => console.warn(`[verdict] results: storing the summaries of '${at.experiment}' failed: ${err.message}`))
    .finally(() => {
      if (storing.get(at.experiment) === write) storing.delete(at.experiment);
    });
  storing.set(at.experiment, write);
  return { ...rows, stored: false };
}

// Per experiment: this process's latest write of stored summaries still on its way.
const storing = processSingleton("resultsSummariesStoring", () => new Map<string, Promise<void>>());

// One write at a time; the rows of the evaluations that finish meanwhile go in the next one, together
// (under the evaluator's load a batch of experiments' summaries costs one statement, not one each).
type StoredRow = { experiment: string; signature: string; watermark: number; payload: string };
const writer = processSingleton("resultsSummariesWriter", () => ({ next: null as { rows: StoredRow[]; done: Promise<void> } | null, tail: Promise.resolve() }));

function queueWrite(row: StoredRow): Promise<void> {
  if (!writer.next) {
    const next: { rows: StoredRow[]; done: Promise<void> } = { rows: [], done: Promise.resolve() };
    next.done = writer.tail.then(() => {
      if (writer.next === next) writer.next = null;
      // in the body, not a query parameter: a server takes parameters in the URL (http_max_uri_size)
      return chInsert("results_summaries", next.rows);
    });
    writer.tail = next.done.catch(() => undefined);
    writer.next = next;
  }
  writer.next.rows.push(row);
  return writer.next.done;
}
