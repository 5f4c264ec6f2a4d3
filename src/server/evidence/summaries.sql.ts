// ClickHouse SQL of the results pipeline (design and measurements: ./README.md).
//
// Up to two queries per request, over the per-user rollup (./rollup.sql.ts: one row per exposed
// user, read with FINAL) or, for requests it cannot serve, over the raw events (then each reads
// first_exposures once; the event-path details follow):
//   * percentilesSql() (only when percentiles are asked for): per arm the exact quantile grid and
//     the histogram of post-exposure page-load times.
//   * metricSummariesSql(): ONE pass over the event types the requested families need, which also
//     yields the exposure counts. Events are deduplicated by FINAL (exact before merges: a retried
//     event shares the whole sort key), RIGHT-joined per event to the user's first exposure (hash
//     join on cityHash64(user_id); every exposed user appears, those without events with defaults),
//     aggregated PER USER with -If combinators (one column group per family), then per variant.
//     The per-arm quantiles of the first query arrive as parameters, so a user's clustered
//     percentile indicator is a plain countIf(value <= q̂): no per-user arrays.
//
// What makes it fast (README, "Performance"): every GROUP BY key and every aggregate state is a
// number. The variant travels as cityHash64(variant) (UInt64) and is named again only in the final
// per-variant rows; LowCardinality/String keys or argMin/any states of strings cost 3–10× more per
// row at 1M users. first_exposures is finalized per row and re-aggregated with numeric
// aggregates, which is ~5× cheaper than merging its argMin/groupUniqArray states.
//
// Values travel only as {name:Type} parameters. The only constants spliced into SQL come from code
// (quantile levels, histogram bin layout, column lists), never from a request.
import { SEG_ARM_KEY, SEG_LABEL, SEGMENT_VALUES_SQL } from "./segments.sql";
import type { Family, SeriesSpec, SummariesSource } from "./types";

/** Event types read by each metric family. */
export const FAMILY_TYPES = {
  engagement: ["engagement"],
  errors: ["request", "error"],
  page_load: ["page_load"],
  feedback: ["feedback"],
  custom: ["metric"],
} as const satisfies Record<Family, readonly string[]>;

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
export function firstExposuresSql(opts: { userIds?: boolean; where?: string } = {}): string {
  return `
  SELECT uh, argMin(vh1, t) AS vh, min(t) AS first_at, max(nv) > 1 OR min(h1) != max(h1) AS multi${opts.userIds ? ", any(user_id) AS user_id" : ""}
  FROM (SELECT cityHash64(user_id) AS uh, ${VH("finalizeAggregation(variant)")} AS vh1, finalizeAggregation(first_at) AS t,
               finalizeAggregation(variants) AS vs, length(vs) AS nv, cityHash64(vs[1]) AS h1${opts.userIds ? ", user_id" : ""}
        FROM first_exposures WHERE experiment = {experiment:String}${opts.where ? ` AND ${opts.where}` : ""})
  GROUP BY uh`;
}
const FIRST_EXPOSURES = firstExposuresSql();

/** Segmented requests (./segments.sql.ts): `inner` (a query with uh and `cols`) with each unit's segment value as `seg`. */
function withSegment(inner: string, cols: string[]): string {
  return `SELECT ${cols.map((c) => `x.${c} AS ${c}`).join(", ")}, ${SEG_LABEL("s.sv")} AS seg
  FROM (${inner}) AS x LEFT JOIN (${SEGMENT_VALUES_SQL}) AS s ON x.uh = s.uh`;
}

/** Variant name of a hash, from the names the caller knows ({variants}); '' if unknown. */
const VARIANT_NAME = `transform(vh, arrayMap(x -> ${VH("x")}, {variants:Array(String)}), {variants:Array(String)}, '')`;

/** Names of every variant an experiment's units were first exposed to (rare path: a variant since removed). */
export const VARIANT_NAMES_SQL = `
SELECT DISTINCT toString(finalizeAggregation(variant)) AS variant, ${VH("variant")} AS vh
FROM first_exposures WHERE experiment = {experiment:String}`;

/**
 * Per-bucket counts are countResample(0, MAX_SERIES_BUCKETS, 1) arrays: ~3× cheaper per row than
 * sumMap([bucket], [1]) at 1M users (no per-row arrays). Bucket indexes are clamped below {buckets},
 * so callers must ask for at most MAX_SERIES_BUCKETS (getMetricSummaries checks).
 */
export const MAX_SERIES_BUCKETS = 1024;
const countPerBucket = (bucket: string, cond?: string) => (cond ? `countResampleIf(0, ${MAX_SERIES_BUCKETS}, 1)(${bucket}, ${cond})` : `countResample(0, ${MAX_SERIES_BUCKETS}, 1)(${bucket})`);

const FIRST_BUCKET_SQL = `toUInt32(least(greatest(intDiv(toUnixTimestamp64Milli(first_at) - {origin:Int64}, {width:Int64}), 0), {buckets:UInt32} - 1))`;

/**
 * Exposures only (no metric asked for): per (variant hash, multi) the units, those first exposed
 * since `cohortFrom` (the SRM cohort) and first exposures per time bucket.
 * Params: experiment, variants, cohortFrom (ms), origin (ms), width (ms), buckets.
 */
export const EXPOSURES_SQL = `
SELECT vh, multi, ${VARIANT_NAME} AS variant, count() AS units,
       countIf(toUnixTimestamp64Milli(first_at) >= {cohortFrom:Int64}) AS cohort,
       ${countPerBucket(FIRST_BUCKET_SQL)} AS by_bucket
FROM (${FIRST_EXPOSURES})
GROUP BY vh, multi`;

/** Page-load histogram: bin 0 is < 50 ms, bin k ≥ 1 starts at 50 · 2^((k − 1)/4) ms (quarter octaves). */
export const HISTOGRAM = { baseMs: 50, binsPerOctave: 4, maxBin: 48 } as const;
const BIN_SQL = `toUInt16(if(value < ${HISTOGRAM.baseMs}, 0, least(${HISTOGRAM.maxBin}, 1 + floor(log2(value / ${HISTOGRAM.baseMs}) * ${HISTOGRAM.binsPerOctave}))))`;

/** Quantile grid around each percentile level (analysis' Woodruff interval interpolates on it). */
export const QUANTILE_OFFSETS = [0, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04];
export function quantileGrid(levels: readonly number[]): number[] {
  const grid = new Set<number>();
  for (const p of levels) {
    for (const d of QUANTILE_OFFSETS) {
      for (const q of [p - d, p + d]) if (q > 0 && q < 1) grid.add(Math.round(q * 1e6) / 1e6);
    }
  }
  return [...grid].sort((a, b) => a - b);
}

/**
 * Per arm: the exact quantile grid and the histogram of post-exposure page-load times of
 * single-variant units. Grouping by (arm, bin) keeps both keys numeric; the exact quantile states
 * of an arm's bins are merged afterwards. Params: experiment, variants.
 */
export function percentilesSql(levels: readonly number[], source: "events" | "rollup" = "events", segmented = false): string {
  const grid = quantileGrid(levels).join(", ");
  const seg = segmented ? "seg, " : "";
  const rollupUsers = "SELECT uh, vh, multi, pl_values FROM results_user_rollup FINAL WHERE experiment = {experiment:String}";
  const eventUsers = `SELECT uh, vh, first_at FROM (${FIRST_EXPOSURES}) WHERE NOT multi`;
  // rollup: each single-variant user's post-exposure page-load values, one array per user
  const inner =
    source === "rollup"
      ? `SELECT ${seg}vh, ${BIN_SQL} AS bin, count() AS views, quantilesExactState(${grid})(value) AS qs
  FROM (${segmented ? withSegment(rollupUsers, ["vh", "multi", "pl_values"]) : rollupUsers}) ARRAY JOIN pl_values AS value
  WHERE NOT multi
  GROUP BY ${seg}vh, bin`
      : `SELECT ${segmented ? "f.seg AS seg, " : ""}f.vh AS vh, ${BIN_SQL.replace(/value/g, "ev.value")} AS bin, count() AS views, quantilesExactState(${grid})(ev.value) AS qs
  FROM (SELECT user_id, value, timestamp FROM events FINAL WHERE type = 'page_load') AS ev
  INNER JOIN (${segmented ? withSegment(eventUsers, ["uh", "vh", "first_at"]) : eventUsers}) AS f ON cityHash64(ev.user_id) = f.uh
  WHERE ev.timestamp >= f.first_at
  GROUP BY ${seg}vh, bin`;
  return `
SELECT ${segmented ? `seg, ${SEG_ARM_KEY} AS pk, ` : ""}vh, ${VARIANT_NAME} AS variant, quantilesExactMerge(${grid})(qs) AS pl_quantiles, sumMap([bin], [views]) AS pl_histogram
FROM (
  ${inner}
)
GROUP BY ${seg}vh`;
}

export interface SummariesSqlOptions {
  families: ReadonlySet<Family>;
  /** number of percentile levels whose per-arm thresholds arrive in {plq} (0: none) */
  percentileCount: number;
  series: SeriesSpec | null;
  /** number of custom metric names in the {custom} parameter */
  customCount: number;
  /** group by each unit's segment value too (`seg`, ./segments.sql.ts; the attribute in {segment}); the percentile thresholds are then keyed by SEG_ARM_KEY */
  segmented?: boolean;
}

export const BUCKET_SQL = `toUInt32(least(greatest(intDiv(toUnixTimestamp64Milli(ev.timestamp) - {origin:Int64}, {width:Int64}), 0), {buckets:UInt32} - 1))`;

/**
 * Series of the primary metric. Proportions need only the bucket of each user's first qualifying
 * event. Means / ratios / rater means: per user the (bucket, x, y) of its post-exposure events,
 * sorted by bucket; the user's cumulative X, Y change only at those buckets, so the user adds
 * f(X_i, Y_i) − f(X_{i−1}, Y_{i−1}) at bucket b_i for each f summed per bucket (X, X², Y, Y², XY;
 * for raters [Y > 0], X/Y, (X/Y)²). Summed per arm with sumMap and cumulated in Node, these are
 * exactly Σ_users f(X_b, Y_b) per bucket, in O(events) (not O(users × buckets)).
 */
function seriesColumns(s: SeriesSpec): { perUser: string[]; perVariant: string[] } {
  const num = {
    engagement: `ev.type = 'engagement'`,
    errors: `ev.type = 'error'`,
    page_load: `ev.type = 'page_load'`,
    feedback: `ev.type = 'feedback'`,
    custom: `ev.type = 'metric' AND ev.name = {custom:Array(String)}[${(s.customIndex ?? 0) + 1}]`,
  }[s.family];
  if (s.kind === "proportion") {
    return {
      perUser: [`minIf(${BUCKET_SQL}, ${num} AND post) AS s_first`, `countIf(${num} AND post) AS s_count`],
      perVariant: [`${countPerBucket("s_first", "s_count > 0")} AS s_first_map`],
    };
  }
  const x = s.family === "page_load" || s.family === "feedback" || s.family === "custom" ? "ev.value" : "1";
  const den = s.family === "errors" ? `ev.type = 'request'` : s.family === "page_load" || s.family === "feedback" ? num : null;
  const y = den ? `toFloat64(${den})` : "0.0";
  return seriesDeltaColumns(s, `arraySort(groupArrayIf((${BUCKET_SQL}, toFloat64(if(${num}, ${x}, 0)), ${y}), (${den ? `${num} OR ${den}` : num}) AND post))`);
}

/**
 * From each user's (bucket, x, y) entries sorted by bucket (`entries`): the cumulative X, Y after
 * each entry and before it (0 before the first), and per arm the sumMap of the deltas of each f.
 */
function seriesDeltaColumns(s: SeriesSpec, entries: string): { perUser: string[]; perVariant: string[] } {
  const cum = "arrayCumSum(arrayMap(e -> e.2, s_l)) AS s_cx, arrayCumSum(arrayMap(e -> e.3, s_l)) AS s_cy";
  const prev = (a: string) => `arraySlice(arrayPushFront(${a}, 0), 1, length(${a}))`;
  const delta = (f: (X: string, Y: string) => string) => `arrayMap((X, Y, PX, PY) -> ${f("X", "Y")} - ${f("PX", "PY")}, s_cx, s_cy, ${prev("s_cx")}, ${prev("s_cy")})`;
  const fs: Record<string, (X: string, Y: string) => string> =
    s.kind === "mean"
      ? { s_sum: (X) => X, s_sq: (X) => `${X} * ${X}` }
      : s.kind === "ratio"
        ? { s_sum: (X) => X, s_sq: (X) => `${X} * ${X}`, s_ysum: (_, Y) => Y, s_ysq: (_, Y) => `${Y} * ${Y}`, s_xy: (X, Y) => `${X} * ${Y}` }
        : { s_n: (_, Y) => `toFloat64(${Y} > 0)`, s_sum: (X, Y) => `if(${Y} > 0, ${X} / ${Y}, 0)`, s_sq: (X, Y) => `if(${Y} > 0, (${X} / ${Y}) * (${X} / ${Y}), 0)` };
  const names = Object.keys(fs);
  const perVariant = [`sumMap(arrayMap(e -> e.1, s_l), ${names.map((k) => delta(fs[k])).join(", ")}) AS s_deltas`, `[${names.map((k) => `'${k}'`).join(", ")}] AS s_delta_names`];
  return { perUser: [`${entries} AS s_l`, cum], perVariant };
}

// Source "events" computes the per-user values per request (FINAL events joined to the first
// exposures, -If aggregates per user); "rollup" reads them from results_user_rollup
// (./rollup.sql.ts), where they were computed by the same rules for every exposed user. The
// per-variant aggregates below are the same for both.
const EVENT_USER = {
  eng: `countIf(ev.type = 'engagement' AND post)`,
  eng_pre: `countIf(ev.type = 'engagement' AND pre)`,
  err: `countIf(ev.type = 'error' AND post)`,
  req: `countIf(ev.type = 'request' AND post)`,
  pl_n: `countIf(ev.type = 'page_load' AND post)`,
  pl_sum: `sumIf(ev.value, ev.type = 'page_load' AND post)`,
  plInd: (k: number) => `countIf(ev.type = 'page_load' AND post AND ev.value <= f.q${k})`,
  fb_n: `countIf(ev.type = 'feedback' AND post)`,
  fb_sum: `sumIf(ev.value, ev.type = 'feedback' AND post)`,
  cm: (i: number) => `sumIf(ev.value, ev.type = 'metric' AND ev.name = {custom:Array(String)}[${i + 1}] AND post)`,
  cmPre: (i: number) => `sumIf(ev.value, ev.type = 'metric' AND ev.name = {custom:Array(String)}[${i + 1}] AND pre)`,
};

const ROLLUP_USER: typeof EVENT_USER = {
  eng: "eng",
  eng_pre: "eng_pre",
  err: "err",
  req: "req",
  pl_n: "pl_n",
  pl_sum: "pl_sum",
  plInd: (k) => `arrayCount(x -> x <= q${k}, pl_values)`,
  fb_n: "fb_n",
  fb_sum: "fb_sum",
  cm: (i) => `cm_post[{custom:Array(String)}[${i + 1}]]`,
  cmPre: (i) => `cm_pre[{custom:Array(String)}[${i + 1}]]`,
};

/**
 * Per (variant hash, multi) exposure counts and the summary statistics of the requested families.
 * Params: experiment, variants, types (Array(String)), custom (Array(String), may be empty),
 * prePeriodMs, cohortFrom, origin / width / buckets, and with percentiles plv (Array(UInt64): arm
 * hashes) and plq (Array(Array(Float64)): per arm the quantile estimate of each level).
 * The rollup source serves the engagement-rate series and the experiment's own primary series (see rollupServesSeries).
 */
export function metricSummariesSql(o: SummariesSqlOptions, source: SummariesSource = "events"): string {
  const f = o.families;
  const u = source === "rollup" ? ROLLUP_USER : EVENT_USER;
  const seg = o.segmented ? "seg, " : "";
  const perUser: string[] = [];
  const perVariant: string[] = ["count() AS units", "countIf(toUnixTimestamp64Milli(first_at) >= {cohortFrom:Int64}) AS cohort", `${countPerBucket(FIRST_BUCKET_SQL)} AS by_bucket`];
  const thresholds: string[] = [];
  if (f.has("engagement")) {
    perUser.push(`${u.eng} AS eng`, `${u.eng_pre} AS eng_pre`);
    perVariant.push(
      "countIf(eng > 0) AS eng_users",
      "sum(eng) AS eng_sum",
      "sum(eng * eng) AS eng_sq",
      "countIf(eng_pre > 0) AS eng_pre_users",
      "sum(eng_pre) AS eng_pre_sum",
      "sum(eng_pre * eng_pre) AS eng_pre_sq",
      "sum(eng * eng_pre) AS eng_cross",
      "countIf(eng > 0 AND eng_pre > 0) AS eng_users_cross",
    );
  }
  if (f.has("errors")) {
    perUser.push(`${u.err} AS err`, `${u.req} AS req`);
    perVariant.push("sum(err) AS err_x", "sum(req) AS err_y", "sum(err * err) AS err_x2", "sum(req * req) AS err_y2", "sum(err * req) AS err_xy");
  }
  if (f.has("page_load")) {
    perUser.push(`${u.pl_n} AS pl_n`, `${u.pl_sum} AS pl_sum`);
    perVariant.push("sum(pl_sum) AS pl_x", "sum(pl_n) AS pl_y", "sum(pl_sum * pl_sum) AS pl_x2", "sum(pl_n * pl_n) AS pl_y2", "sum(pl_sum * pl_n) AS pl_xy");
    if (o.percentileCount > 0) {
      // per user: views at or below the arm's quantile estimate q̂ of each level (clustered indicator)
      const ks = Array.from({ length: o.percentileCount }, (_, k) => k + 1);
      for (const k of ks) {
        thresholds.push(`arrayElement(arrayElement({plq:Array(Array(Float64))}, indexOf({plv:Array(UInt64)}, ${o.segmented ? SEG_ARM_KEY : "vh"})), ${k}) AS q${k}`);
        perUser.push(`${u.plInd(k)} AS pl_i${k}`);
      }
      perVariant.push(
        `[${ks.map((k) => `sum(pl_i${k})`).join(", ")}] AS pl_ind_x`,
        `[${ks.map((k) => `sum(pl_i${k} * pl_i${k})`).join(", ")}] AS pl_ind_x2`,
        `[${ks.map((k) => `sum(pl_i${k} * pl_n)`).join(", ")}] AS pl_ind_xy`,
      );
    }
  }
  if (f.has("feedback")) {
    perUser.push(`${u.fb_n} AS fb_n`, `${u.fb_sum} AS fb_sum`);
    perVariant.push("countIf(fb_n > 0) AS fb_users", "sumIf(fb_sum / fb_n, fb_n > 0) AS fb_mean_sum", "sumIf((fb_sum / fb_n) * (fb_sum / fb_n), fb_n > 0) AS fb_mean_sq");
  }
  const shifts: string[] = [];
  if (f.has("custom")) {
    // One scalar column pair per custom metric name (names are few). Custom values can be huge next
    // to their spread (epoch timestamps: 1.7e9 ± 10), where Σx² − (Σx)²/n cancels to nothing in
    // doubles; so the sums are of x − k, k = the metric's mean per user with events (one cheap
    // scalar read of its events, by the sort key; k only needs to be near the typical value), and
    // k is returned as cm{i}_shift (analysis' ShiftedMean). Both sources use the same k.
    for (let i = 0; i < o.customCount; i++) {
      shifts.push(`(SELECT ifNotFinite(sum(value) / uniq(user_id), 0) FROM events WHERE type = 'metric' AND name = {custom:Array(String)}[${i + 1}]) AS cmk${i}`);
      perUser.push(`${u.cm(i)} AS cm${i}`, `${u.cmPre(i)} AS cm${i}_pre`);
      const y = `(cm${i} - cmk${i})`;
      const x = `(cm${i}_pre - cmk${i})`;
      perVariant.push(
        `sum(${y}) AS cm${i}_sum`,
        `sum(${y} * ${y}) AS cm${i}_sq`,
        `sum(${x}) AS cm${i}_pre_sum`,
        `sum(${x} * ${x}) AS cm${i}_pre_sq`,
        `sum(${y} * ${x}) AS cm${i}_cross`,
        `any(cmk${i}) AS cm${i}_shift`,
      );
    }
  }
  if (o.series) {
    const s = source === "rollup" ? rollupSeriesColumns(o.series) : seriesColumns(o.series);
    perUser.push(...s.perUser);
    perVariant.push(...s.perVariant);
  }
  const head = `${shifts.length > 0 ? `WITH ${shifts.join(",\n     ")}\n` : ""}SELECT ${seg}vh, multi, ${VARIANT_NAME} AS variant, ${perVariant.join(",\n       ")}`;
  if (source === "rollup") {
    // one row per exposed user already: no join, no per-user grouping
    return `${head}
FROM (
  SELECT ${["vh", "first_at", "multi", ...(o.segmented ? [`${SEG_LABEL("s.sv")} AS seg`] : []), ...thresholds, ...perUser].join(",\n         ")}
  ${o.segmented ? `FROM results_user_rollup AS r FINAL LEFT JOIN (${SEGMENT_VALUES_SQL}) AS s ON r.uh = s.uh WHERE r.experiment = {experiment:String}` : "FROM results_user_rollup FINAL WHERE experiment = {experiment:String}"}
)
GROUP BY ${seg}vh, multi${o.segmented ? "\nSETTINGS join_use_nulls = 0" : ""}`;
  }
  const customFilter = f.has("custom") ? `(type != 'metric' OR name IN {custom:Array(String)})` : "1";
  // post: at/after the first exposure; pre: the CUPED window before it. A user without events has
  // one row with default event columns (timestamp 1970, type ''), which matches neither.
  const post = "ev.timestamp >= f.first_at";
  const pre = "(ev.timestamp < f.first_at AND ev.timestamp >= f.first_at - toIntervalMillisecond({prePeriodMs:Int64}))";
  const exposed = o.segmented ? withSegment(FIRST_EXPOSURES, ["uh", "vh", "first_at", "multi"]) : FIRST_EXPOSURES;
  const firstExposures = thresholds.length > 0 ? `SELECT *, ${thresholds.join(", ")} FROM (${exposed})` : exposed;
  return `${head}
FROM (
  SELECT f.uh AS uh, any(f.vh) AS vh, any(f.first_at) AS first_at, any(f.multi) AS multi,${o.segmented ? " any(f.seg) AS seg," : ""}
         ${perUser
           .join(",\n         ")
           .replace(/\bpost\b/g, post)
           .replace(/\bpre\b/g, pre)}
  FROM (SELECT type, name, user_id, value, timestamp FROM events FINAL WHERE type IN {types:Array(String)} AND ${customFilter}) AS ev
  RIGHT JOIN (${firstExposures}) AS f ON cityHash64(ev.user_id) = f.uh
  GROUP BY uh
)
GROUP BY ${seg}vh, multi
SETTINGS join_use_nulls = 0, query_plan_join_swap_table = 0`;
}

/**
 * Series from the rollup: the engagement proportion from eng_first; the experiment's own mean /
 * ratio / rater-mean series from its hourly entries (`series`), each hour mapped to its bucket
 * (buckets are whole hours from an hour-aligned origin: rollupServesSeries checks), then exactly
 * the per-request pass's deltas.
 */
function rollupSeriesColumns(s: SeriesSpec): { perUser: string[]; perVariant: string[] } {
  if (s.kind === "proportion") {
    if (s.family !== "engagement") throw new Error(`the rollup has no series for ${s.family}/${s.kind}`);
    return {
      perUser: [`${BUCKET_SQL.replace("ev.timestamp", "eng_first")} AS s_first`, "eng AS s_count"],
      perVariant: [`${countPerBucket("s_first", "s_count > 0")} AS s_first_map`],
    };
  }
  const bucketOfHour = "toUInt32(least(greatest(intDiv(toInt64(e.1) * 3600000 - {origin:Int64}, {width:Int64}), 0), {buckets:UInt32} - 1))";
  return seriesDeltaColumns(s, `arraySort(arrayMap(e -> (${bucketOfHour}, e.2, e.3), series))`);
}
