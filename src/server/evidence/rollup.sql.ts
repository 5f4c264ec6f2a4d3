// SQL of the incremental per-user rollup (design: ./README.md, "Rollup"; tables: migrations 0004, 0006).
//
// results_user_rollup holds, per (experiment, exposed user), the user's attribution (vh, first_at,
// multi) and the per-user values of EVERY metric family (plus the series entries of the experiment's
// primary metric, ./rollup-series.ts), computed by the same rules as the
// per-request pass of summaries.sql.ts: events deduplicated by id (below), only the user's events at or
// after the first exposure (post) or in the CUPED window before it (pre). A refresh recomputes
// whole users, never adds deltas, so a late exposure (earlier first_at, a second variant) or a
// retried batch simply yields the user's correct row again; the newest version wins.
import type { RollupSeries } from "./types";
import { firstExposuresSql } from "./summaries.sql";

/**
 * Bump when the rollup's columns or rules change: an experiment whose state carries another
 * definition is rebuilt from scratch on its next read. The pre-period is part of the rules.
 */
export const ROLLUP_DEFINITION = (prePeriodMs: number, seriesKey: string) => `2026-11-30.2 pre=${prePeriodMs} series=${seriesKey}`;

/** The event types the rollup reads: every KPI family (exposures arrive through first_exposures). */
const KPI_TYPES = "('engagement', 'request', 'error', 'page_load', 'feedback', 'metric')";

/** Users with any event stored since {since} (server insertion time; minmax-indexed: reads the recent granules only). */
const RECENT = "(SELECT user_id FROM events WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC'))";

/**
 * The experiment's exposed users among them: first_exposures is ordered by (experiment, user_id),
 * so this reads the experiment's own exposure rows (10–30 ms at 100k users, loaded) whatever else was
 * stored. Users of other experiments are left out: their events cannot change this rollup.
 */
const TOUCHED = `(SELECT user_id FROM first_exposures WHERE experiment = {experiment:String} AND user_id IN ${RECENT})`;

/**
 * Every exposed user of the experiment (first_exposures is ordered by experiment: a range read).
 * The full build reads the events of these users only: at 100 experiments over the same users, the
 * other experiments' users' events are most of the table, and each of them would be joined and dropped.
 * Filtering by user_id (a sort-key column) never separates the copies FINAL collapses.
 */
const EXPOSED = "(SELECT user_id FROM first_exposures WHERE experiment = {experiment:String})";

/**
 * Recompute and insert the rollup rows of an experiment's exposed users: all of them, or
 * (incremental) those with an event stored since {since}. An exposed user without events gets a
 * row of zeros (RIGHT JOIN), exactly like the per-request pass.
 * Params: experiment, version (UInt64, the refresh's start in ms), prePeriodMs, since (ms;
 * incremental), seriesName (the custom metric of a custom series, else '').
 */
export function rollupRefreshSql(incremental: boolean, series: RollupSeries | null): string {
  // Deduplication. Full build: FINAL (streams a merge of sorted parts; README "Deduplication").
  // Incremental: FINAL would still merge every granule holding a touched user, i.e. nearly all
  // (~2 s at 10M events for 10k users), so the touched users' rows are read plainly (~0.25 s) and
  // deduplicated by exactly FINAL's key (the sort key and the month partition), keeping the last
  // stored copy as ReplacingMergeTree does. Copies of a retried event are identical, so both
  // paths give the same rows; only an id reused with a different value could differ (which copy).
  const events = incremental
    ? `(SELECT type, name, user_id, value, timestamp FROM events WHERE type IN ${KPI_TYPES} AND user_id IN ${TOUCHED}
        ORDER BY inserted_at DESC LIMIT 1 BY type, name, user_id, id, toYYYYMM(timestamp))`
    : `(SELECT type, name, user_id, value, timestamp FROM events FINAL WHERE type IN ${KPI_TYPES} AND user_id IN ${EXPOSED})`;
  const post = "ev.timestamp >= f.first_at";
  const pre = "ev.timestamp < f.first_at AND ev.timestamp >= f.first_at - toIntervalMillisecond({prePeriodMs:Int64})";
  // Custom metrics: the user's (name, value) pairs are collected as tuples (columnar, no per-row
  // arrays) and summed per name on the small per-user arrays. sumMapIf([name], [value], …) builds
  // two arrays for every one of the ~9M events and made the full build ~3× slower.
  const metricMap = (when: string) =>
    `CAST(arrayReduce('sumMap', [groupArrayIf((ev.name, ev.value), ev.type = 'metric' AND ${when}).1], [groupArrayIf((ev.name, ev.value), ev.type = 'metric' AND ${when}).2]), 'Map(String, Float64)')`;
  return `
INSERT INTO results_user_rollup (experiment, uh, user_id, version, vh, first_at, multi, eng, eng_pre, eng_first, err, req,
                                 pl_n, pl_sum, pl_values, fb_n, fb_sum, cm_post, cm_pre, series)
SELECT {experiment:String}, f.uh, any(f.user_id), {version:UInt64}, any(f.vh), any(f.first_at), any(f.multi),
       countIf(ev.type = 'engagement' AND ${post}), countIf(ev.type = 'engagement' AND ${pre}),
       minIf(ev.timestamp, ev.type = 'engagement' AND ${post}),
       countIf(ev.type = 'error' AND ${post}), countIf(ev.type = 'request' AND ${post}),
       countIf(ev.type = 'page_load' AND ${post}), sumIf(ev.value, ev.type = 'page_load' AND ${post}),
       groupArrayIf(ev.value, ev.type = 'page_load' AND ${post}),
       countIf(ev.type = 'feedback' AND ${post}), sumIf(ev.value, ev.type = 'feedback' AND ${post}),
       ${metricMap(post)}, ${metricMap(`(${pre})`)}, ${seriesEntries(series, post)}
FROM ${events} AS ev
RIGHT JOIN (${firstExposuresSql({ userIds: true, where: incremental ? `user_id IN ${TOUCHED}` : undefined })}) AS f ON cityHash64(ev.user_id) = f.uh
GROUP BY f.uh
SETTINGS join_use_nulls = 0, query_plan_join_swap_table = 0`;
}

/**
 * Per qualifying post-exposure event of the series metric, (UTC hour, x, y) with x and y exactly as
 * the per-request pass puts them in its series (summaries.sql.ts, seriesColumns).
 */
const SERIES_ENTRY: Record<RollupSeries["family"], { when: string; x: string; y: string }> = {
  engagement: { when: "ev.type = 'engagement'", x: "1", y: "0" },
  errors: { when: "ev.type IN ('error', 'request')", x: "ev.type = 'error'", y: "ev.type = 'request'" },
  page_load: { when: "ev.type = 'page_load'", x: "ev.value", y: "1" },
  feedback: { when: "ev.type = 'feedback'", x: "ev.value", y: "1" },
  custom: { when: "ev.type = 'metric' AND ev.name = {seriesName:String}", x: "ev.value", y: "0" },
};

function seriesEntries(series: RollupSeries | null, post: string): string {
  if (!series) return "CAST([], 'Array(Tuple(UInt32, Float64, Float64))')";
  const e = SERIES_ENTRY[series.family];
  return `groupArrayIf((toUInt32(intDiv(toUnixTimestamp64Milli(ev.timestamp), 3600000)), toFloat64(${e.x}), toFloat64(${e.y})), ${e.when} AND ${post})`;
}

/** The experiment's state (definition '' if none) and the server's time (the next watermark). */
export const ROLLUP_STATE_SQL = `
SELECT ifNull(s.definition, '') AS definition, ifNull(s.watermark, 0) AS watermark, toUnixTimestamp64Milli(now64(3)) AS now
FROM (SELECT 1) AS one
LEFT JOIN (SELECT any(definition) AS definition, toUnixTimestamp64Milli(any(watermark)) AS watermark
           FROM results_rollup_state FINAL WHERE experiment = {experiment:String}) AS s ON 1
SETTINGS join_use_nulls = 1`;

/**
 * ROLLUP_STATE_SQL and TOUCHED_EXPERIMENT_SQL in one call, when the refresh already knows where it
 * would start ({since}: the write horizon of the stored watermark, ./rollup.ts): under load each call
 * waits ~0.3–0.5 s for chDB's one query slot, whatever it does.
 */
export const ROLLUP_STATE_TOUCHED_SQL = `
SELECT ifNull(s.definition, '') AS definition, ifNull(s.watermark, 0) AS watermark, toUnixTimestamp64Milli(now64(3)) AS now,
       (SELECT count() FROM ${TOUCHED} AS t) AS touched
FROM (SELECT 1) AS one
LEFT JOIN (SELECT any(definition) AS definition, toUnixTimestamp64Milli(any(watermark)) AS watermark
           FROM results_rollup_state FINAL WHERE experiment = {experiment:String}) AS s ON 1
SETTINGS join_use_nulls = 1`;

/**
 * How many of the experiment's exposed users had an event stored (or a new exposure to it) since
 * {since} (ms); 0 = nothing new. Per experiment: events of other experiments' users leave this rollup, its
 * watermark and its stored summaries as they are.
 */
export const TOUCHED_EXPERIMENT_SQL = `SELECT count() AS touched FROM ${TOUCHED} AS t`;

/** Parts of an experiment's rollup partition: many rows outside the largest part make FINAL merge. */
export const ROLLUP_PARTS_SQL = `
SELECT count() AS parts, sum(p.rows) AS total, sum(p.rows) - max(p.rows) AS outside
FROM system.parts AS p WHERE active AND database = currentDatabase() AND table = 'results_user_rollup' AND partition = {experiment:String}`;

/** Merge an experiment's rollup rows into one part, so that FINAL reads need no merging. */
export const OPTIMIZE_ROLLUP_SQL = "OPTIMIZE TABLE results_user_rollup PARTITION {experiment:String} FINAL";

export const WRITE_ROLLUP_STATE_SQL = `
INSERT INTO results_rollup_state (experiment, definition, watermark, version)
SELECT {experiment:String}, {definition:String}, fromUnixTimestamp64Milli({watermark:Int64}, 'UTC'), {version:UInt64}`;

/**
 * Stored per-variant summary rows (migration 0005, ./stored-summaries.ts): those computed for a
 * request signature at a rollup watermark. No FINAL: copies of a (signature, watermark) are identical.
 */
export const STORED_SUMMARIES_SQL = `
SELECT payload FROM results_summaries
WHERE experiment = {experiment:String} AND signature = {signature:String} AND watermark = {watermark:UInt64}
LIMIT 1`;
