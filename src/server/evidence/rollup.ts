// Keeps an experiment's per-user rollup (./rollup.sql.ts) current before it is read.
//
// Incremental refresh, like GrowthBook's: the state row holds a watermark (the server time at the
// start of the last refresh); the next refresh recomputes every exposed user with an event STORED
// (events.inserted_at, set by the server, so spool replays and client retries count as new) since
// watermark − REFRESH_OVERLAP_MS. The overlap covers rows whose inserted_at was taken just before
// a refresh started but whose part became visible just after (an insert in flight; the
// first_exposures part of an exposure commits after its events part). Recomputing a user twice is
// harmless: rows are whole-user values and the newest version wins.
//
// In one process over embedded chDB the writes in flight are known (eventWriteHorizon): the overlap
// then reaches back only to the oldest insert that was in flight when the watermark was taken,
// instead of a fixed 5 s. For an experiment refreshed every second the fixed overlap re-read 5–6×
// the users that were new.
import { chCommand, chQuery, eventStoreInfo, eventWriteHorizon, inUrgentEngineWork, urgentEngineWork } from "@/db/clickhouse/client";
import { LISTED_USERS_MAX, OPTIMIZE_ROLLUP_SQL, ROLLUP_DEFINITION, ROLLUP_PARTS_SQL, ROLLUP_STATES_TOUCHED_SQL, rollupBuildSql, rollupRefreshManySql, WRITE_ROLLUP_STATE_SQL } from "./rollup.sql";
import { processSingleton } from "@/core/process-singleton";
import { createHash } from "node:crypto";
import { rollupSpecKey, rollupSpecOf } from "./components";
import type { RollupSpec } from "./types";

export const REFRESH_OVERLAP_MS = 5_000;
/** Below the write horizon: millisecond rounding of inserted_at against Date.now(). */
const HORIZON_MARGIN_MS = 50;

export interface RefreshOutcome {
  kind: "full" | "incremental" | "none";
  /** the rollup's watermark after the refresh (ms): identifies the rollup's content */
  watermark: number;
}

// One refresh per experiment at a time in this process. A reader arriving while a refresh of the same
// definition computes its rows shares it; one arriving after the rows are in (the refresh is then
// writing its state, ./rollup.ts's tail) or with another definition runs the next refresh after it.
interface Running {
  definition: string;
  rowsIn: boolean;
  outcome: Promise<RefreshOutcome>;
  /** settles when the refresh has written its state (or failed) */
  done: Promise<void>;
}
const inflight = processSingleton("resultsRollupRefresh", () => new Map<string, Running>());

/** The rollup's definition for a spec: the component list can be long (stored definitions with filters), its hash names it. */
function definitionOf(prePeriodMs: number, spec: RollupSpec): string {
  return ROLLUP_DEFINITION(prePeriodMs, createHash("sha256").update(rollupSpecKey(spec)).digest("hex").slice(0, 32));
}

/**
 * `spec`: the components and the series the experiment's rollup holds (./components.ts; default: an
 * experiment with the default metrics); part of its definition. Resolves once the rows are in: the
 * state write (and a compaction) follow in the background, off the reader's path, and the next
 * refresh of the experiment waits for them. Under the evaluator's load every chDB statement waits for
 * the engine's one slot, so the statements a reader waits for are what an evaluation costs.
 */
export function refreshRollup(experiment: string, prePeriodMs: number, spec: RollupSpec = rollupSpecOf({ key: experiment })): Promise<RefreshOutcome> {
  const definition = definitionOf(prePeriodMs, spec);
  const running = inflight.get(experiment);
  if (running && !running.rowsIn && running.definition === definition) return running.outcome;
  const entry: Running = { definition, rowsIn: false, outcome: undefined as never, done: undefined as never };
  const work = (running?.done ?? Promise.resolve()).then(() => enqueueRefresh(experiment, prePeriodMs, spec, definition));
  entry.outcome = work.then((w) => {
    entry.rowsIn = true;
    return w.outcome;
  });
  entry.done = work
    .then((w) => w.tail)
    .catch(() => undefined)
    .finally(() => {
      if (inflight.get(experiment) === entry) inflight.delete(experiment);
    });
  inflight.set(experiment, entry);
  return entry.outcome;
}

/** Waits for the experiment's refresh in this process, state write included (tests; before a process-wide step). */
export async function rollupSettled(experiment: string): Promise<void> {
  await inflight.get(experiment)?.done;
}

interface StateRow {
  experiment: string;
  definition: string;
  watermark: number;
  since: number;
  now: number;
  touched: number;
  users: string[] | null;
}

type Refreshed = { outcome: RefreshOutcome; tail: Promise<void> };

// Refreshes wait in a lane per definition (and urgency, urgentEngineWork): while a lane's batch runs,
// the refreshes arriving join the next one, which then costs one state read, one INSERT and one state
// write for all of them. Under the evaluator's load every statement waits for chDB's one slot
// (decisions/README.md "Scale"): per-statement costs, paid once per batch, were most of an
// evaluation's. An urgent refresh never waits behind a plain batch (its own lane).
interface Queued {
  experiment: string;
  settle: (r: Promise<Refreshed>) => void;
}
interface Lane {
  definition: string;
  prePeriodMs: number;
  spec: RollupSpec;
  urgent: boolean;
  pending: Queued[];
}
const lanes = processSingleton("resultsRollupLanes", () => new Map<string, Lane>());
/** At most this many experiments per batch (an INSERT writes one part per experiment partition). */
export const REFRESH_BATCH_MAX = 32;
/**
 * Touched users up to this many are passed to the INSERT as a list (the check lists at most
 * LISTED_USERS_MAX). Tests lower it to drive the path that finds them inside the INSERT.
 */
export const rollupTuning = processSingleton("resultsRollupTuning", () => ({ listedUsersMax: LISTED_USERS_MAX }));
/** Batches run in this process and the experiments they refreshed (benchmarks, tests). */
export const refreshBatchStats = processSingleton("resultsRollupBatchStats", () => ({ batches: 0, experiments: 0, largest: 0 }));

function enqueueRefresh(experiment: string, prePeriodMs: number, spec: RollupSpec, definition: string): Promise<Refreshed> {
  const urgent = inUrgentEngineWork();
  const id = `${urgent ? "u" : "p"}/${prePeriodMs}/${definition}`;
  return new Promise<Refreshed>((settle) => {
    const lane = lanes.get(id);
    if (lane) return void lane.pending.push({ experiment, settle });
    const fresh: Lane = { definition, prePeriodMs, spec, urgent, pending: [{ experiment, settle }] };
    lanes.set(id, fresh);
    // a turn of the event loop first: refreshes asked for together start together
    setImmediate(() => void runLane(id, fresh));
  });
}

async function runLane(id: string, lane: Lane): Promise<void> {
  while (lane.pending.length > 0) {
    const batch = lane.pending.splice(0, REFRESH_BATCH_MAX);
    refreshBatchStats.batches++;
    refreshBatchStats.experiments += batch.length;
    refreshBatchStats.largest = Math.max(refreshBatchStats.largest, batch.length);
    const run = () =>
      refreshBatch(
        lane,
        batch.map((q) => q.experiment),
      );
    const results = await (lane.urgent ? urgentEngineWork(run) : run()).catch((err: unknown) => err);
    batch.forEach((q, i) => q.settle(Array.isArray(results) ? (results[i] as Promise<Refreshed>) : Promise.reject(results)));
  }
  lanes.delete(id);
}

/** One refresh of each experiment (distinct keys): settles per experiment once its rows are in. */
async function refreshBatch(lane: Lane, experiments: string[]): Promise<Promise<Refreshed>[]> {
  const { definition, prePeriodMs, spec } = lane;
  // before the watermark is taken: every row the refresh cannot see is stamped at or after it
  const horizon = await eventWriteHorizon();
  const guessWatermarks: Record<string, number> = {};
  const guessHorizons: Record<string, number> = {};
  for (const e of experiments) {
    const known = horizons.get(e);
    if (known) [guessWatermarks[e], guessHorizons[e]] = [known.watermark, known.horizon - HORIZON_MARGIN_MS];
  }
  const rows = await chQuery<StateRow>(ROLLUP_STATES_TOUCHED_SQL, { experiments, definition, guessWatermarks, guessHorizons, overlap: REFRESH_OVERLAP_MS });
  const byKey = new Map(rows.map((r) => [r.experiment, r]));
  const now = Number(rows[0]?.now ?? Date.now());
  const chdb = (await eventStoreInfo()).mode === "chdb";
  const outcomes = new Map<string, Promise<RefreshOutcome>>();
  const listed: StateRow[] = [];
  const unlisted: StateRow[] = [];
  const rowsWritten = new Map<string, number | null>(); // the touched users of an incremental refresh (compact's estimate), null after a full build
  for (const e of experiments) {
    const state = byKey.get(e) ?? ({ experiment: e, definition: "", watermark: 0, since: 0, now, touched: 0, users: [] } as StateRow);
    const touched = Number(state.touched);
    if (state.definition !== definition) {
      const q = rollupBuildSql(spec.components, spec.series);
      outcomes.set(e, settled(chCommand(q.sql, { ...q.params, experiment: e, version: now, prePeriodMs }), "full", now));
      rowsWritten.set(e, null);
    } else if (!touched) {
      outcomes.set(e, Promise.resolve({ kind: "none", watermark: Number(state.watermark) }));
    } else if (chdb && (state.users ?? []).length === touched && touched <= rollupTuning.listedUsersMax) {
      // The users the check found, passed as they are: computing the set again inside the INSERT (twice)
      // was most of its ~0.34 s under the evaluator's load. Embedded chDB only (a server takes parameters
      // in the URL), and only when the check listed them all. Users touched after the check are read by
      // the next refresh: their rows are stamped after this refresh's horizon.
      listed.push(state);
      rowsWritten.set(e, touched);
    } else {
      unlisted.push(state);
      rowsWritten.set(e, touched);
    }
  }
  for (const chunk of listedChunks(listed)) {
    const q = rollupRefreshManySql(spec.components, spec.series);
    const users = [...new Set(chunk.flatMap((s) => s.users ?? []))];
    const done = settled(chCommand(q.sql, { ...q.params, experiments: chunk.map((s) => s.experiment), touchedUsers: users, version: now, prePeriodMs }), "incremental", now);
    for (const s of chunk) outcomes.set(s.experiment, done);
  }
  // Too many touched users to list (or a server): the INSERT finds them itself, for a chunk of
  // experiments at once. Under the evaluator's load these were one INSERT per busy experiment, most
  // of the engine's time (decisions/README.md "Scale"); experiments of one user group share most of
  // their touched users, whose events one statement reads once.
  for (const chunk of unlistedChunks(unlisted)) {
    const q = rollupRefreshManySql(spec.components, spec.series, "touched");
    const since = Math.min(...chunk.map((s) => Number(s.since)));
    const done = settled(chCommand(q.sql, { ...q.params, experiments: chunk.map((s) => s.experiment), since, version: now, prePeriodMs }), "incremental", now);
    for (const s of chunk) outcomes.set(s.experiment, done);
  }
  const all = experiments.map((e) => outcomes.get(e) as Promise<RefreshOutcome>);
  await Promise.allSettled(all);
  // Only after the rows are in: a crash before the state write repeats the refresh, never skips it.
  // Readers may use the rows at `now` at once; a failed state write only means the next refresh redoes it.
  const refreshed: string[] = [];
  for (const [i, e] of experiments.entries())
    if (
      rowsWritten.has(e) &&
      (await all[i].then(
        () => true,
        () => false,
      ))
    )
      refreshed.push(e);
  const tail = refreshed.length === 0 ? Promise.resolve() : writeStates(refreshed, definition, now, horizon, rowsWritten);
  return all.map((outcome) => outcome.then((o) => ({ outcome: o, tail: o.kind === "none" ? Promise.resolve() : tail })));
}

function settled(write: Promise<void>, kind: RefreshOutcome["kind"], now: number): Promise<RefreshOutcome> {
  const p = write.then(() => ({ kind, watermark: now }));
  p.catch(() => undefined); // observed by the reader
  return p;
}

/** Listed experiments in INSERTs of at most LISTED_USERS_MAX distinct users each (one experiment may reach it alone). */
function listedChunks(listed: StateRow[]): StateRow[][] {
  const chunks: StateRow[][] = [];
  let chunk: StateRow[] = [];
  let users = new Set<string>();
  for (const s of listed) {
    const add = (s.users ?? []).filter((u) => !users.has(u));
    if (chunk.length > 0 && users.size + add.length > LISTED_USERS_MAX) {
      chunks.push(chunk);
      [chunk, users] = [[], new Set()];
    }
    chunk.push(s);
    for (const u of s.users ?? []) users.add(u);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

const UNLISTED_ROWS_MAX = 250_000;
const UNLISTED_SINCE_SPREAD_MS = 30_000;
/**
 * Unlisted experiments in INSERTs of at most UNLISTED_ROWS_MAX touched (experiment, user) rows each
 * (a chunk's rows are built in memory before they are written), and of refreshes starting within
 * UNLISTED_SINCE_SPREAD_MS of each other (the chunk reads every user touched since its earliest).
 */
function unlistedChunks(unlisted: StateRow[]): StateRow[][] {
  const chunks: StateRow[][] = [];
  let chunk: StateRow[] = [];
  let rows = 0;
  for (const s of [...unlisted].sort((a, b) => Number(a.since) - Number(b.since))) {
    const touched = Number(s.touched);
    if (chunk.length > 0 && (rows + touched > UNLISTED_ROWS_MAX || Number(s.since) - Number(chunk[0].since) > UNLISTED_SINCE_SPREAD_MS)) {
      chunks.push(chunk);
      [chunk, rows] = [[], 0];
    }
    chunk.push(s);
    rows += touched;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function writeStates(experiments: string[], definition: string, now: number, horizon: number | null, rowsWritten: Map<string, number | null>): Promise<void> {
  const tail = (async () => {
    await chCommand(WRITE_ROLLUP_STATE_SQL, { experiments, definition, watermark: now, version: now });
    for (const e of experiments) {
      if (horizon !== null) horizons.set(e, { watermark: now, horizon: Math.min(horizon, now) });
      else horizons.delete(e);
    }
    for (const e of experiments) await compact(e, rowsWritten.get(e) ?? null);
  })();
  tail.catch((err: Error) => console.warn(`[verdict] results: writing the rollup state of ${experiments.map((e) => `'${e}'`).join(", ")} failed (the next refresh redoes it): ${err.message}`));
  return tail;
}

// Per experiment in this process: the write horizon taken just before its stored watermark. Only
// trusted for that watermark (a restart, another writer of the state, a server: the fixed overlap).
const horizons = processSingleton("resultsRollupHorizons", () => new Map<string, { watermark: number; horizon: number }>());

/**
 * FINAL over one part costs nothing; over a large part plus refreshed users spread across the key
 * range it merges every granule (~0.1–0.2 s per read at 1M users). Merging the experiment's
 * partition costs ~0.7 s at 1M users, so it is done once the refreshed rows reach 5 % of it
 * (a few refreshed users leave most granules untouched, which FINAL reads without merging).
 * Best effort: results stay exact without it (e.g. a cluster, where the table is Distributed).
 */
async function compact(experiment: string, rowsWritten: number | null): Promise<void> {
  // Asking system.parts after every refresh cost 25–200 ms (it lists every part of the database,
  // many while ingestion runs): the refresh counts the rows it wrote instead (rowsWritten: the touched
  // users, null after a full build) and asks only once they may reach the threshold.
  const w = written.get(experiment);
  if (w && rowsWritten !== null && (w.rows += rowsWritten) < COMPACT_AT * w.total) return;
  try {
    const [p] = await chQuery<{ parts: number; total: number; outside: number }>(ROLLUP_PARTS_SQL, { experiment });
    if (!p) return;
    const merge = p.parts > 1 && p.outside >= COMPACT_AT * p.total;
    if (merge) await chCommand(OPTIMIZE_ROLLUP_SQL, { experiment });
    written.set(experiment, { rows: merge ? 0 : Number(p.outside), total: Number(p.total) - (merge ? Number(p.outside) : 0) });
  } catch {
    // FINAL still deduplicates; only read speed is at stake
  }
}

const COMPACT_AT = 0.05;
// Per experiment in this process: rows written outside the largest part (an estimate: a refresh's
// touched users) and the partition's rows. Lost on restart, which only means one system.parts look.
const written = processSingleton("resultsRollupWritten", () => new Map<string, { rows: number; total: number }>());
