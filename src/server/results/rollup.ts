// Keeps an experiment's per-user rollup (./rollup.sql.ts) current before it is read.
//
// Incremental refresh, like GrowthBook's: the state row holds a watermark (the server time at the
// start of the last refresh); the next refresh recomputes every exposed user with an event STORED
// (events.inserted_at, set by the server, so spool replays and client retries count as new) since
// watermark − REFRESH_OVERLAP_MS. The overlap covers rows whose inserted_at was taken just before
// a refresh started but whose part became visible just after (an insert in flight; the
// first_exposures part of an exposure commits after its events part). Recomputing a user twice is
// harmless: rows are whole-user values and the newest version wins.
import { chCommand, chQuery } from "@/db/clickhouse/client";
import { ROLLUP_DEFINITION, ROLLUP_STATE_SQL, rollupRefreshSql, SERVER_NOW_SQL, TOUCHED_ANY_SQL, WRITE_ROLLUP_STATE_SQL } from "./rollup.sql";
import { processSingleton } from "@/server/process-singleton";

export const REFRESH_OVERLAP_MS = 5_000;

export interface RefreshOutcome {
  kind: "full" | "incremental" | "none";
  ms: number;
}

// One refresh per experiment at a time in this process; concurrent readers wait for it.
const inflight = processSingleton("resultsRollupRefresh", () => new Map<string, Promise<RefreshOutcome>>());

export function refreshRollup(experiment: string, prePeriodMs: number): Promise<RefreshOutcome> {
  const running = inflight.get(experiment);
  if (running) return running;
  const p = doRefresh(experiment, prePeriodMs).finally(() => inflight.delete(experiment));
  inflight.set(experiment, p);
  return p;
}

async function doRefresh(experiment: string, prePeriodMs: number): Promise<RefreshOutcome> {
  const started = performance.now();
  const definition = ROLLUP_DEFINITION(prePeriodMs);
  const [state] = await chQuery<{ definition: string; watermark: number }>(ROLLUP_STATE_SQL, { experiment });
  const [{ now }] = await chQuery<{ now: number }>(SERVER_NOW_SQL);
  let kind: RefreshOutcome["kind"] = "full";
  if (state && state.definition === definition) {
    const since = state.watermark - REFRESH_OVERLAP_MS;
    const [{ touched }] = await chQuery<{ touched: number }>(TOUCHED_ANY_SQL, { since });
    if (!touched) return { kind: "none", ms: performance.now() - started };
    kind = "incremental";
    await chCommand(rollupRefreshSql(true), { experiment, version: now, prePeriodMs, since });
  } else {
    await chCommand(rollupRefreshSql(false), { experiment, version: now, prePeriodMs });
  }
  // Only after the rows are in: a crash before this point repeats the refresh, never skips it.
  await chCommand(WRITE_ROLLUP_STATE_SQL, { experiment, definition, watermark: now, version: now });
  return { kind, ms: performance.now() - started };
}
