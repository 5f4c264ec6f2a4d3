// ClickHouse SQL of the results pipeline (design and measurements: ./README.md).
//
// Two queries per experiment, both reading first_exposures once:
//   * EXPOSURES_SQL: exposed units per variant (multiple-exposure units apart), the current-stage
//     cohort for the SRM check, and first exposures per time bucket.
//   * metricSummariesSql(): ONE pass over the event types the requested metric families need.
//     Events are deduplicated by FINAL (exact before merges: a retried event shares the whole sort
//     key), joined per event to the user's first exposure (hash join on cityHash64(user_id), the
//     ~1M-row side being first_exposures), kept from `prePeriodMs` before the first exposure (the
//     CUPED covariate window) on, aggregated PER USER with -If combinators (one column group per
//     family), then per variant. Only per-variant sums leave ClickHouse: never events, never users.
//
// Values travel only as {name:Type} parameters. The only constants spliced into SQL come from code
// (quantile levels, histogram bin layout, column lists), never from a request.

/** Event types read by each metric family. */
export const FAMILY_TYPES = {
  engagement: ["engagement"],
  errors: ["request", "error"],
  page_load: ["page_load"],
  feedback: ["feedback"],
  custom: ["metric"],
} as const;

export type Family = keyof typeof FAMILY_TYPES;

/** First exposure per unit of one experiment; `nv` > 1 means the unit saw several variants. */
const FIRST_EXPOSURES = `
  SELECT cityHash64(user_id) AS uh, argMinMerge(variant) AS variant, minMerge(first_at) AS first_at,
         length(groupUniqArrayMerge(variants)) AS nv
  FROM first_exposures WHERE experiment = {experiment:String} GROUP BY user_id`;

/**
 * Per variant: exposed units (single-variant), those first exposed since `cohortFrom` (the SRM
 * cohort) and first exposures per time bucket; plus a row with variant = '' counting units with
 * multiple exposures. Params: experiment, cohortFrom (ms), origin (ms), width (ms), buckets.
 */
export const EXPOSURES_SQL = `
SELECT if(nv > 1, '', variant) AS variant,
       count() AS units,
       countIf(toUnixTimestamp64Milli(first_at) >= {cohortFrom:Int64}) AS cohort,
       sumMapIf([toUInt32(least(greatest(intDiv(toUnixTimestamp64Milli(first_at) - {origin:Int64}, {width:Int64}), 0), {buckets:UInt32} - 1))], [toUInt64(1)], nv = 1) AS by_bucket
FROM (${FIRST_EXPOSURES})
GROUP BY variant`;

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

/** Time-series request: cumulative per-user vectors for one metric (the primary). */
export interface SeriesSpec {
  /** event condition of the metric's numerator and, for ratios / feedback, denominator */
  family: Family;
  kind: "proportion" | "mean" | "ratio" | "feedback";
  customIndex?: number;
}

export interface SummariesSqlOptions {
  families: ReadonlySet<Family>;
  /** quantile levels wanted for page_load percentiles (empty: none) */
  percentileLevels: readonly number[];
  series: SeriesSpec | null;
  /** number of custom metric names in the {custom} parameter */
  customCount: number;
}

const BUCKET_SQL = `toUInt32(least(greatest(intDiv(toUnixTimestamp64Milli(ts) - {origin:Int64}, {width:Int64}), 0), {buckets:UInt32} - 1))`;

/**
 * Per-user cumulative vectors are built once per USER from the user's (bucket, value) list, not per
 * event (arguments of -If combinators are computed for every row). Proportions need only the
 * bucket of the user's first qualifying event: no vectors at all.
 */
function seriesColumns(s: SeriesSpec): { perUser: string[]; perVariant: string[] } {
  const num = {
    engagement: `type = 'engagement'`,
    errors: `type = 'error'`,
    page_load: `type = 'page_load'`,
    feedback: `type = 'feedback'`,
    custom: `type = 'metric' AND name = {custom:Array(String)}[${(s.customIndex ?? 0) + 1}]`,
  }[s.family];
  if (s.kind === "proportion") {
    return {
      perUser: [`minIf(${BUCKET_SQL}, ${num} AND post) AS s_first`, `countIf(${num} AND post) AS s_count`],
      perVariant: ["sumMapIf([s_first], [toUInt64(1)], s_count > 0) AS s_first_map"],
    };
  }
  const numValue = s.family === "page_load" || s.family === "feedback" || s.family === "custom" ? "value" : "1";
  const den = s.family === "errors" ? `type = 'request'` : s.family === "page_load" || s.family === "feedback" ? num : null;
  const cumulative = (list: string) => `arrayMap(b -> arraySum(arrayMap(e -> if(e.1 <= b, e.2, 0), ${list})), range({buckets:UInt32}))`;
  const perUser = [`groupArrayIf((${BUCKET_SQL}, toFloat64(${numValue})), ${num} AND post) AS s_xl`];
  const perVariant: string[] = [];
  if (den) perUser.push(`groupArrayIf((${BUCKET_SQL}, 1.0), ${den} AND post) AS s_yl`);
  const X = cumulative("s_xl");
  const Y = cumulative("s_yl");
  if (s.kind === "mean") perVariant.push(`sumForEach(${X} AS s_x) AS s_sum`, "sumForEach(arrayMap(x -> x * x, s_x)) AS s_sq");
  else if (s.kind === "ratio")
    perVariant.push(
      `sumForEach(${X} AS s_x) AS s_sum`,
      "sumForEach(arrayMap(x -> x * x, s_x)) AS s_sq",
      `sumForEach(${Y} AS s_y) AS s_ysum`,
      "sumForEach(arrayMap(y -> y * y, s_y)) AS s_ysq",
      "sumForEach(arrayMap((x, y) -> x * y, s_x, s_y)) AS s_xy",
    );
  else
    perVariant.push(
      `sumForEach(arrayMap(y -> toFloat64(y > 0), ${Y} AS s_y)) AS s_n`,
      `sumForEach(arrayMap((x, y) -> if(y > 0, x / y, 0), ${X} AS s_x, s_y)) AS s_sum`,
      "sumForEach(arrayMap((x, y) -> if(y > 0, (x / y) * (x / y), 0), s_x, s_y)) AS s_sq",
    );
  return { perUser, perVariant };
}

/**
 * Per-variant summary statistics for the requested families. Params: experiment, types
 * (Array(String)), custom (Array(String), the custom metric names, may be empty), prePeriodMs,
 * and origin / width / buckets when `series` is set.
 */
export function metricSummariesSql(o: SummariesSqlOptions): string {
  const f = o.families;
  const perUser: string[] = [];
  const perVariant: string[] = ["count() AS users_with_events"];
  const outer: string[] = [];
  if (f.has("engagement")) {
    perUser.push(`countIf(type = 'engagement' AND post) AS eng`, `countIf(type = 'engagement' AND NOT post) AS eng_pre`);
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
    perUser.push(`countIf(type = 'error' AND post) AS err`, `countIf(type = 'request' AND post) AS req`);
    perVariant.push("sum(err) AS err_x", "sum(req) AS err_y", "sum(err * err) AS err_x2", "sum(req * req) AS err_y2", "sum(err * req) AS err_xy");
  }
  if (f.has("page_load")) {
    perUser.push(`countIf(type = 'page_load' AND post) AS pl_n`, `sumIf(value, type = 'page_load' AND post) AS pl_sum`);
    perVariant.push("sum(pl_sum) AS pl_x", "sum(pl_n) AS pl_y", "sum(pl_sum * pl_sum) AS pl_x2", "sum(pl_n * pl_n) AS pl_y2", "sum(pl_sum * pl_n) AS pl_xy");
    // Per-user arrays of load times stay inside ClickHouse: the arm's histogram and quantile grid
    // come from all of them, then each user's count of views ≤ q̂ (analysis/percentile's clustered
    // indicator). A per-user histogram map would cost a map state per user; this costs one per arm.
    perUser.push(`groupArrayIf(value, type = 'page_load' AND post) AS pl_values`);
    perVariant.push(`sumMap(arrayMap(value -> ${BIN_SQL}, pl_values), arrayMap(v -> toUInt64(1), pl_values)) AS pl_histogram`);
    if (o.percentileLevels.length > 0) {
      perVariant.push("groupArray(pl_values) AS pl_users");
      const grid = quantileGrid(o.percentileLevels);
      const at = o.percentileLevels.map((p) => grid.indexOf(Math.round(p * 1e6) / 1e6) + 1);
      outer.push(
        "*",
        `arrayReduce('quantilesExact(${grid.join(", ")})', arrayFlatten(pl_users)) AS pl_quantiles`,
        `arrayMap(q -> arrayMap(a -> toFloat64(arrayCount(v -> v <= q, a)), pl_users), arrayMap(i -> pl_quantiles[i], [${at.join(", ")}])) AS pl_ind_users`,
      );
    }
  }
  if (f.has("feedback")) {
    perUser.push(`countIf(type = 'feedback' AND post) AS fb_n`, `sumIf(value, type = 'feedback' AND post) AS fb_sum`);
    perVariant.push("countIf(fb_n > 0) AS fb_users", "sumIf(fb_sum / fb_n, fb_n > 0) AS fb_mean_sum", "sumIf((fb_sum / fb_n) * (fb_sum / fb_n), fb_n > 0) AS fb_mean_sq");
  }
  if (f.has("custom")) {
    // One scalar column pair per custom metric name (names are few): per-row arrays would be built
    // for every event row, whatever the -If condition says.
    for (let i = 0; i < o.customCount; i++) {
      const is = `type = 'metric' AND name = {custom:Array(String)}[${i + 1}]`;
      perUser.push(`sumIf(value, ${is} AND post) AS cm${i}`, `sumIf(value, ${is} AND NOT post) AS cm${i}_pre`);
      perVariant.push(`sum(cm${i}) AS cm${i}_sum`, `sum(cm${i} * cm${i}) AS cm${i}_sq`, `sum(cm${i}_pre) AS cm${i}_pre_sum`, `sum(cm${i}_pre * cm${i}_pre) AS cm${i}_pre_sq`, `sum(cm${i} * cm${i}_pre) AS cm${i}_cross`);
    }
  }
  if (o.series) {
    const s = seriesColumns(o.series);
    perUser.push(...s.perUser);
    perVariant.push(...s.perVariant);
  }
  const customFilter = f.has("custom") ? `(type != 'metric' OR name IN {custom:Array(String)})` : "1";
  let sql = `
SELECT variant, ${perVariant.join(",\n       ")}
FROM (
  SELECT uh, any(variant) AS variant, ${perUser.join(",\n         ")}
  FROM (
    SELECT f.uh AS uh, f.variant AS variant, ev.type AS type, ev.name AS name, ev.value AS value, ev.timestamp AS ts,
           ev.timestamp >= f.first_at AS post
    FROM (SELECT type, name, user_id, value, timestamp FROM events FINAL WHERE type IN {types:Array(String)} AND ${customFilter}) AS ev
    INNER JOIN (SELECT uh, variant, first_at FROM (${FIRST_EXPOSURES}) WHERE nv = 1) AS f ON cityHash64(ev.user_id) = f.uh
    WHERE ev.timestamp >= f.first_at - toIntervalMillisecond({prePeriodMs:Int64})
  )
  GROUP BY uh
)
GROUP BY variant`;
  if (outer.length > 0) {
    // Second stage only for percentiles: per-user indicator sums, without shipping the arrays.
    sql = `
SELECT * EXCEPT (pl_users, pl_ind_users),
       arrayMap(xs -> arraySum(xs), pl_ind_users) AS pl_ind_x,
       arrayMap(xs -> arraySum(arrayMap(x -> x * x, xs)), pl_ind_users) AS pl_ind_x2,
       arrayMap(xs -> arraySum(arrayMap((x, a) -> x * length(a), xs, pl_users)), pl_ind_users) AS pl_ind_xy
FROM (SELECT ${outer.join(", ")} FROM (${sql}))`;
  }
  return sql;
}
