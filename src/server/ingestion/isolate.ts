// Inserting a spool batch so that rows the store refuses cannot block the rows around them: a batch
// refused for its content (store-errors.ts) is split in halves, recursively, until the refused rows
// stand alone; the caller dead-letters those. Store failures (down, overloaded, unknown) propagate
// unchanged, and the caller retries the whole batch later.
//
// Dedup: each half is inserted with the token `<batch token>:<first row>-<end row>`, a function of
// the batch's spool range and row positions only. A replay after a crash reads the same range, is
// refused the same way and splits the same way, so halves that reached ClickHouse before the crash
// carry the same tokens and are dropped as duplicates, and none is lost.
import { isDataError } from "./store-errors";

export interface RefusedRow {
  /** index of the row in the batch */
  row: number;
  /** the JSONEachRow line, newline included */
  line: Buffer;
  error: string;
}

type Insert = (payload: Buffer, token: string) => Promise<void>;

export async function insertIsolating(payload: Buffer, token: string, insert: Insert): Promise<RefusedRow[]> {
  try {
    await insert(payload, token);
    return [];
  } catch (e) {
    if (!isDataError(e)) throw e;
    return isolate(payload, token, insert, e);
  }
}

async function isolate(payload: Buffer, token: string, insert: Insert, first: unknown): Promise<RefusedRow[]> {
  const starts = lineStarts(payload);
  const rows = (from: number, to: number) => payload.subarray(starts[from], starts[to]);
  const refused: RefusedRow[] = [];
  const split = async (from: number, to: number, error: unknown): Promise<void> => {
    if (to - from === 1) {
      refused.push({ row: from, line: rows(from, to), error: (error as Error)?.message ?? String(error) });
      return;
    }
    const mid = (from + to) >>> 1;
    for (const [a, b] of [
      [from, mid],
      [mid, to],
    ]) {
      try {
        await insert(rows(a, b), `${token}:${a}-${b}`);
      } catch (e) {
        if (!isDataError(e)) throw e;
        await split(a, b, e);
      }
    }
  };
  await split(0, starts.length - 1, first);
  return refused;
}

/** Offsets where each line starts, plus the end: lines are rows (JSONEachRow). */
function lineStarts(payload: Buffer): number[] {
  const starts = [0];
  for (let i = payload.indexOf(10); i >= 0; i = payload.indexOf(10, i + 1)) starts.push(i + 1);
  if (starts.at(-1) !== payload.length) starts.push(payload.length);
  return starts;
}
