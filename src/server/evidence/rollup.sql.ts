// SQL of the incremental per-user rollup (design: ./README.md, "Rollup" and "Components"; tables:
// migrations 0004, 0006, 0009) and of THE per-user SELECT: the one place where per-unit values are
// computed from events, for the rollup (written to results_user_rollup) and for the per-request
// events path (read as a subquery by summaries.sql.ts), so both sources feed the same aggregation.
//
// Per (experiment, exposed user): the attribution (vh, first_at, multi) and, per component of the
// component set (./components.ts), the user's value (c_post: events at or after the first exposure;
// c_pre: the CUPED window before it), the values of each value component (c_values, percentiles), and
// the series entries of one metric. Events are deduplicated by id (below). A refresh recomputes
// whole users, never adds deltas, so a late exposure (earlier first_at, a second variant) or a
// retried batch simply yields the user's correct row again; the newest version wins.
import { contribution, readsProperties, selectorCondition } from "./selectors.sql";
import type { ComponentSet, SeriesSpec } from "./types";

/** Variant hash: 53 bits, so that it survives JSON numbers (64-bit integers arrive as JS numbers). */
export const VH = (x: string) => `bitShiftRight(cityHash64(${x}), 11)`;

/**
 * First exposure per unit of one experiment: uh = cityHash64(user_id), vh = cityHash64(variant of
 * the first exposure), first_at, multi = the unit saw more than one variant. A unit may still have
 * several rows (unmerged parts); each row's states are finalized, then combined with numeric
 * aggregates: multi ⇔ some row holds ≥ 2 variants or two rows hold different ones. (Ties of
 * argMin between different variants only happen for multi units, which are excluded.)
 * `where` narrows the users (SQL over first_exposures columns, parameters only).
 */
export function firstExposuresSql(opts: { userIds?: boolean; where?: string; many?: boolean } = {}): string {
  // many: the experiments in {experiments:Array(String)}, one row per (experiment, unit)
  const e = opts.many ? "experiment, " : "";
  return `
  SELECT ${e}uh, argMin(vh1, t) AS vh, min(t) AS first_at, max(nv) > 1 OR min(h1) != max(h1) AS multi${opts.userIds ? ", any(user_id) AS user_id" : ""}
  FROM (SELECT ${e}cityHash64(user_id) AS uh, ${VH("finalizeAggregation(variant)")} AS vh1, finalizeAggregation(first_at) AS t,
               finalizeAggregation(variants) AS vs, length(vs) AS nv, cityHash64(vs[1]) AS h1${opts.userIds ? ", user_id" : ""}
        FROM first_exposures WHERE ${opts.many ? "experiment IN {experiments:Array(String)}" : "experiment = {experiment:String}"}${opts.where ? ` AND ${opts.where}` : ""})
  GROUP BY ${e}uh`;
}
/**
 * Bump the date when the rollup's columns or rules change: an experiment whose state carries another
 * definition is rebuilt from scratch on its next read. The pre-period and the component list (spec)
 * are part of the rules.
 */
export const ROLLUP_DEFINITION = (prePeriodMs: number, specKey: string) => `2026-12-02.c1 pre=${prePeriodMs} spec=${specKey}`;

/** Users with any event stored since {since} (server insertion time; minmax-indexed: reads the recent granules only). */
const RECENT = "(SELECT user_id FROM events WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC'))";

/**
 * The exposed users among them of a batch of experiments ({experiments:Array(String)}; one {since}:
 * the batch's earliest): first_exposures is ordered by (experiment, user_id), so this reads the
 * experiments' own exposure rows (10–30 ms per 100k users, loaded) whatever else was stored. Users
 * of other experiments are left out: their events cannot change these rollups.
 */
const TOUCHED = `(SELECT user_id FROM first_exposures WHERE experiment IN {experiments:Array(String)} AND user_id IN ${RECENT})`;

/** Up to this many touched users are listed by the refresh's check and passed to its INSERT (rollupRefreshManySql). */
export const LISTED_USERS_MAX = 20_000;

/**
 * Every exposed user of the experiment (first_exposures is ordered by experiment: a range read).
 * The full build reads the events of these users only: at 100 experiments over the same users, the
 * other experiments' users' events are most of the table, and each of them would be joined and dropped.
 * Filtering by user_id (a sort-key column) never separates the copies FINAL collapses.
 */
const EXPOSED = "(SELECT user_id FROM first_exposures WHERE experiment = {experiment:String})";

export const BUCKET_SQL = `toUInt32(least(greatest(intDiv(toUnixTimestamp64Milli(ev.timestamp) - {origin:Int64}, {width:Int64}), 0), {buckets:UInt32} - 1))`;
const HOUR_SQL = "toUInt32(intDiv(toUnixTimestamp64Milli(ev.timestamp), 3600000))";

/** The settings every query reading perUserSql needs (the RIGHT JOIN's rows of defaults, the join's build side). */
export const PER_USER_SETTINGS = "join_use_nulls = 0, query_plan_join_swap_table = 0";

export interface PerUserOptions {
  set: ComponentSet;
  series: SeriesSpec | null;
  /** series entries by UTC hour (the rollup) or by the request's bucket ({origin}, {width}, {buckets}: the events path) */
  seriesTime: "hour" | "bucket";
  /**
   * all exposed users of {experiment} (FINAL); or, for every experiment in
   * {experiments:Array(String)} (an `experiment` column, grouped by experiment and unit: one
   * statement refreshes a batch), its exposed users with an event stored since {since}
   * (deduplicated by FINAL's key, latest copy) or those among the users in
   * {touchedUsers:Array(String)} (the same, listed by the refresh's state read: the touched set is
   * not computed again, twice, inside the INSERT)
   */
  users: "exposed" | "touched" | "listed";
}

/**
 * One row per exposed user of {experiment} (per experiment and user of {experiments}, touched or
 * listed: `users`): uh, user_id, vh, first_at, multi, c_post, c_pre, c_values, series. An exposed
 * user without events gets a row of zeros (RIGHT JOIN). Read with PER_USER_SETTINGS. Params:
 * experiment (exposed) or experiments, prePeriodMs, since (touched), touchedUsers (listed),
 * (bucket series) origin / width / buckets, and the selectors' own (returned).
 */
export function perUserSql(o: PerUserOptions): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const cond = (sel: Parameters<typeof selectorCondition>[0], tag: string) => {
    const c = selectorCondition(sel, tag);
    Object.assign(params, c.params);
    return c.sql;
  };
  const post = "ev.timestamp >= f.first_at";
  const pre = "ev.timestamp < f.first_at AND ev.timestamp >= f.first_at - toIntervalMillisecond({prePeriodMs:Int64})";
  const value = (aggregate: string, c: string, when: string) =>
    aggregate === "sum" ? `sumIf(toFloat64(ev.value), ${c} AND ${when})` : aggregate === "any" ? `toFloat64(countIf(${c} AND ${when}) > 0)` : `toFloat64(countIf(${c} AND ${when}))`;
  const scalar = o.set.scalar.map((sel, i) => ({ sel, c: cond(sel, `c${i}_`), pre: o.set.pre[i] }));
  const cPost = scalar.map((s) => value(s.sel.aggregate, s.c, post));
  const cPre = scalar.map((s) => (s.pre ? value(s.sel.aggregate, s.c, `(${pre})`) : "0"));
  const cValues = o.set.values.map((sel, j) => `groupArrayIf(toFloat64(ev.value), ${cond(sel, `v${j}_`)} AND ${post})`);
  const sels = [...o.set.scalar, ...o.set.values, ...(o.series ? [o.series.numerator, ...(o.series.denominator ? [o.series.denominator] : [])] : [])];
  let series = "CAST([], 'Array(Tuple(UInt32, Float64, Float64))')";
  if (o.series) {
    // each post-exposure event of the series metric: (time, its contribution to x, to y)
    const num = cond(o.series.numerator, "sn_");
    const den = o.series.denominator ? cond(o.series.denominator, "sd_") : null;
    const x = `if(${num}, toFloat64(${contribution(o.series.numerator)}), 0)`;
    const y = den ? `if(${den}, toFloat64(${contribution(o.series.denominator!)}), 0)` : "0.0";
    series = `groupArrayIf((${o.seriesTime === "hour" ? HOUR_SQL : BUCKET_SQL}, ${x}, ${y}), (${den ? `${num} OR ${den}` : num}) AND ${post})`;
  }
  params.types = [...new Set(sels.map((s) => s.type))];
  // metric events are selected by name (validation requires it): the others' names are never read
  params.metricNames = [...new Set(sels.flatMap((s) => (s.type === "metric" && s.name !== undefined ? [s.name] : [])))];
  const cols = `type, name, user_id, value, timestamp${readsProperties(sels) ? ", properties" : ""}`;
  const filter = "type IN {types:Array(String)} AND (type != 'metric' OR name IN {metricNames:Array(String)})";
  // Deduplication. All users: FINAL (streams a merge of sorted parts; README "Deduplication").
  // Touched users: FINAL would still merge every granule holding one of them, i.e. nearly all
  // (~2 s at 10M events for 10k users), so their rows are read plainly (~0.25 s) and deduplicated by
  // exactly FINAL's key (the sort key and the month partition), keeping the last stored copy as
  // ReplacingMergeTree does. Copies of a retried event are identical, so both give the same rows;
  // only an id reused with a different value could differ (which copy).
  const many = o.users !== "exposed";
  const some = o.users === "listed" ? "{touchedUsers:Array(String)}" : TOUCHED;
  const events =
    o.users !== "exposed"
      ? `(SELECT ${cols} FROM events WHERE ${filter} AND user_id IN ${some}
        ORDER BY inserted_at DESC LIMIT 1 BY type, name, user_id, id, toYYYYMM(timestamp))`
      : `(SELECT ${cols} FROM events FINAL WHERE ${filter} AND user_id IN ${EXPOSED})`;
  const arr = (xs: string[], type: string) => `CAST([${xs.join(", ")}], '${type}')`;
  const sql = `
  SELECT ${many ? "f.experiment AS experiment, " : ""}f.uh AS uh, any(f.user_id) AS user_id, any(f.vh) AS vh, any(f.first_at) AS first_at, any(f.multi) AS multi,
         ${arr(cPost, "Array(Float64)")} AS c_post,
         ${arr(cPre, "Array(Float64)")} AS c_pre,
         ${arr(cValues, "Array(Array(Float64))")} AS c_values,
         ${series} AS series
  FROM ${events} AS ev
  RIGHT JOIN (${firstExposuresSql({ userIds: true, many, where: o.users !== "exposed" ? `user_id IN ${some}` : undefined })}) AS f ON cityHash64(ev.user_id) = f.uh
  GROUP BY ${many ? "f.experiment, " : ""}f.uh`;
  return { sql, params };
}

/**
 * Compute and insert the rollup rows of all of an experiment's exposed users (a full build).
 * Params: experiment, version (UInt64, the refresh's start in ms), prePeriodMs, and the returned
 * ones (the selectors').
 */
export function rollupBuildSql(set: ComponentSet, series: SeriesSpec | null): { sql: string; params: Record<string, unknown> } {
  const u = perUserSql({ set, series, seriesTime: "hour", users: "exposed" });
  return {
    sql: `
INSERT INTO results_user_rollup (experiment, uh, user_id, version, vh, first_at, multi, c_post, c_pre, c_values, series)
SELECT {experiment:String}, uh, user_id, {version:UInt64}, vh, first_at, multi, c_post, c_pre, c_values, series
FROM (${u.sql})
SETTINGS ${PER_USER_SETTINGS}`,
    params: u.params,
  };
}

/**
 * One statement refreshing a batch of experiments of one definition (./rollup.ts): the rows of the
 * users in {touchedUsers:Array(String)} (listed: the union of the batch's touched users), or of the
 * users exposed to one of them with an event stored since {since} (touched: the batch's earliest
 * since), for every experiment in {experiments:Array(String)} they are exposed to. A user touched
 * for one experiment of the batch and not for another is recomputed in both: whole-user rows, the
 * same values again.
 * Params: experiments, touchedUsers (listed) or since (touched), version, prePeriodMs, and the returned ones.
 */
export function rollupRefreshManySql(set: ComponentSet, series: SeriesSpec | null, users: "listed" | "touched" = "listed"): { sql: string; params: Record<string, unknown> } {
  const u = perUserSql({ set, series, seriesTime: "hour", users });
  return {
    sql: `
INSERT INTO results_user_rollup (experiment, uh, user_id, version, vh, first_at, multi, c_post, c_pre, c_values, series)
SELECT experiment, uh, user_id, {version:UInt64}, vh, first_at, multi, c_post, c_pre, c_values, series
FROM (${u.sql})
SETTINGS ${PER_USER_SETTINGS}`,
    params: u.params,
  };
}

/**
 * Per experiment of {experiments:Array(String)}: its state (definition '' and watermark 0 if none),
 * where its next incremental refresh starts (since, ms: the write horizon this process took just
 * before the stored watermark when it wrote it — {guessWatermarks}/{guessHorizons}, maps by
 * experiment — else watermark − {overlap}), and, for those whose state has {definition:String}, the
 * touched users (exposed users with an event stored since then: count, and up to LISTED_USERS_MAX
 * of them); the server's time (the next watermark). One statement for a batch: under load each one
 * waits for chDB's one slot, whatever it does.
 */
export const ROLLUP_STATES_TOUCHED_SQL = `
WITH st AS (SELECT experiment, any(definition) AS definition, toUnixTimestamp64Milli(any(watermark)) AS watermark
            FROM results_rollup_state FINAL WHERE experiment IN {experiments:Array(String)} GROUP BY experiment),
     cur AS (SELECT experiment,
                    if(watermark = {guessWatermarks:Map(String, Int64)}[experiment], {guessHorizons:Map(String, Int64)}[experiment], watermark - {overlap:Int64}) AS since
             FROM st WHERE definition = {definition:String})
SELECT e.experiment AS experiment, ifNull(s.definition, '') AS definition, ifNull(s.watermark, 0) AS watermark, ifNull(c.since, 0) AS since,
       toUnixTimestamp64Milli(now64(3)) AS now, ifNull(t.touched, 0) AS touched, t.users AS users
FROM (SELECT arrayJoin({experiments:Array(String)}) AS experiment) AS e
LEFT JOIN st AS s ON s.experiment = e.experiment
LEFT JOIN cur AS c ON c.experiment = e.experiment
LEFT JOIN (
  SELECT fe.experiment AS experiment, count() AS touched, groupArray(${LISTED_USERS_MAX})(fe.user_id) AS users
  FROM first_exposures AS fe
  INNER JOIN (SELECT user_id, max(inserted_at) AS last FROM events
              -- no experiment of the batch to check (all need a full build): read no events
              WHERE inserted_at >= fromUnixTimestamp64Milli((SELECT if(count() = 0, toUnixTimestamp64Milli(now64(3)) + 3600000, min(since)) FROM cur), 'UTC')
              GROUP BY user_id) AS r ON r.user_id = fe.user_id
  INNER JOIN cur AS c2 ON c2.experiment = fe.experiment
  WHERE fe.experiment IN (SELECT experiment FROM cur) AND r.last >= fromUnixTimestamp64Milli(c2.since, 'UTC')
  GROUP BY fe.experiment) AS t ON t.experiment = e.experiment
SETTINGS join_use_nulls = 1`;

/** Parts of an experiment's rollup partition: many rows outside the largest part make FINAL merge. */
export const ROLLUP_PARTS_SQL = `
SELECT count() AS parts, sum(p.rows) AS total, sum(p.rows) - max(p.rows) AS outside
FROM system.parts AS p WHERE active AND database = currentDatabase() AND table = 'results_user_rollup' AND partition = {experiment:String}`;

/** Merge an experiment's rollup rows into one part, so that FINAL reads need no merging. */
export const OPTIMIZE_ROLLUP_SQL = "OPTIMIZE TABLE results_user_rollup PARTITION {experiment:String} FINAL";

/** The state of a batch of experiments refreshed together: one definition and watermark. */
export const WRITE_ROLLUP_STATE_SQL = `
INSERT INTO results_rollup_state (experiment, definition, watermark, version)
SELECT arrayJoin({experiments:Array(String)}), {definition:String}, fromUnixTimestamp64Milli({watermark:Int64}, 'UTC'), {version:UInt64}`;

/**
 * Stored per-variant summary rows (migration 0005, ./stored-summaries.ts): those computed for a
 * request signature at a rollup watermark. No FINAL: copies of a (signature, watermark) are identical.
 */
export const STORED_SUMMARIES_SQL = `
SELECT payload FROM results_summaries
WHERE experiment = {experiment:String} AND signature = {signature:String} AND watermark = {watermark:UInt64}
LIMIT 1`;
