// ClickHouse SQL of the results pipeline (design and measurements: ./README.md).
//
// The per-unit values come from ONE per-user SELECT (./rollup.sql.ts, perUserSql): stored in the
// rollup (source "rollup", read from results_user_rollup FINAL) or computed per request over the raw
// events (source "events": the from-scratch reference, and requests the rollup cannot serve). Both
// feed the same per-variant aggregation, which reads the component positions of each requested
// metric (./components.ts) from c_post / c_pre / c_values:
//   * capsSql() (only for metrics capped at a pooled percentile): the caps.
//   * percentilesSql() (only when percentiles are asked for): per (value component, arm) the exact
//     quantile grid and the histogram of the unit's values.
//   * metricSummariesSql(): per (variant hash, multi) the exposure counts and, per metric, Σx, Σx²,
//     Σy, Σy², Σxy, Σ[x>0] and the CUPED sums; the per-arm quantiles of the percentile query arrive
//     as parameters, so a unit's clustered percentile indicator is a plain arrayCount(v <= q̂).
//
// What makes it fast (README, "Performance"): every GROUP BY key and every aggregate state is a
// number. The variant travels as cityHash64(variant) (UInt64) and is named again only in the final
// per-variant rows; LowCardinality/String keys or argMin/any states of strings cost 3–10× more per
// row at 1M users. first_exposures is finalized per row and re-aggregated with numeric
// aggregates, which is ~5× cheaper than merging its argMin/groupUniqArray states.
//
// Values travel only as {name:Type} parameters (event types, names, property names and values,
// caps, capping levels). The only text spliced into SQL is code: quantile levels, histogram bins,
// column lists and component positions (integers computed from the metric list).
import { firstExposuresSql, PER_USER_SETTINGS, perUserSql, VH } from "./rollup.sql";
import { SEG_ARM_KEY, SEG_LABEL, SEGMENT_VALUES_SQL } from "./segments.sql";
import { selectorCondition } from "./selectors.sql";
import type { ComponentSet, EventSelector, MetricDefinition, SeriesSpec, SummariesSource } from "./types";

export { VH } from "./rollup.sql";

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

/** One requested metric as the aggregation reads it: 0-based positions in the source's component set. */
export interface AggMetric {
  def: MetricDefinition;
  /** scalar positions of the numerator / denominator (-1: none) */
  num: number;
  den: number;
  /** value position (percentiles; -1: none) and the 1-based index among the request's percentile metrics (its threshold q{pk}) */
  val: number;
  pk: number;
  /** a cap arrives as {cap{m}n:Float64} / {cap{m}d:Float64} (m = the metric's index) */
  capNum: boolean;
  capDen: boolean;
  /** a mean of sums: centred by a per-metric constant (issue 14), returned as m{m}_shift */
  shift: boolean;
}

export interface SummariesSqlOptions {
  source: SummariesSource;
  /** the component set of the per-user rows: the rollup's (rollup source) or the request's own (events) */
  set: ComponentSet;
  metrics: AggMetric[];
  series: SeriesSpec | null;
  /** the series metric's caps arrive as {scapn:Float64} / {scapd:Float64} */
  seriesCap: { num: boolean; den: boolean };
  /** percentile thresholds present in {plv} / {plq} (false: no unit has a value yet; indicators are 0) */
  thresholds: boolean;
  /** group by each unit's segment value too (`seg`, ./segments.sql.ts; the attribute in {segment}); the percentile thresholds are then keyed by SEG_ARM_KEY */
  segmented?: boolean;
}

type Sql = { sql: string; params: Record<string, unknown> };
/**
 * The per-user rows of a request: the rollup's, or the per-user SELECT over the raw events (the same
 * columns). `cols`: the columns the query reads (the rollup's arrays are most of its bytes: a query
 * reads only its own; a segmented one carries only those through its join).
 */
function usersSql(o: Pick<SummariesSqlOptions, "source" | "set" | "series">, segmented: boolean, cols: string[]): Sql {
  const all = segmented && !cols.includes("uh") ? ["uh", ...cols] : cols;
  const u: Sql =
    o.source === "rollup"
      ? { sql: `SELECT ${all.join(", ")} FROM results_user_rollup FINAL WHERE experiment = {experiment:String}`, params: {} }
      : perUserSql({ set: o.set, series: o.series, seriesTime: "bucket", users: "exposed" });
  return segmented ? { sql: withSegment(u.sql, all), params: u.params } : u;
}

const settings = (o: Pick<SummariesSqlOptions, "source" | "segmented">) => (o.source === "events" ? `\nSETTINGS ${PER_USER_SETTINGS}` : o.segmented ? "\nSETTINGS join_use_nulls = 0" : "");
const at = (col: string, pos: number) => `${col}[${pos + 1}]`;

/**
 * Pooled caps (winsorization): per capped side of each metric capped at a percentile, the
 * quantileExact of the units' non-zero values over both arms (single-variant units). Columns
 * cap{m}n / cap{m}d; the levels arrive as {cq{m}:Float64}.
 */
export function capsSql(o: Pick<SummariesSqlOptions, "source" | "set" | "series" | "metrics">): Sql & { columns: string[] } {
  const cols: string[] = [];
  const columns: string[] = [];
  const params: Record<string, unknown> = {};
  o.metrics.forEach((m, i) => {
    if (!m.def.capping || !("percentile" in m.def.capping) || !(m.capNum || m.capDen)) return;
    params[`cq${i}`] = m.def.capping.percentile;
    const sides: [number, string][] = [...(m.capNum ? [[m.num, "n"] as [number, string]] : []), ...(m.capDen ? [[m.den, "d"] as [number, string]] : [])];
    for (const [pos, side] of sides) {
      cols.push(`quantileExactIf({cq${i}:Float64})(${at("c_post", pos)}, ${at("c_post", pos)} != 0) AS cap${i}${side}`);
      columns.push(`cap${i}${side}`);
    }
  });
  const u = usersSql(o, false, ["multi", "c_post"]);
  return { sql: `SELECT ${cols.join(", ")} FROM (${u.sql}) WHERE NOT multi${settings({ source: o.source })}`, params: { ...u.params, ...params }, columns };
}

/**
 * Per (value component, arm): the exact quantile grid and the histogram of the units' values
 * (single-variant units). Grouping by (component, arm, bin) keeps the keys numeric; the exact
 * quantile states of an arm's bins are merged afterwards. Params: experiment, variants.
 */
export function percentilesSql(levels: readonly number[], positions: readonly number[], o: Pick<SummariesSqlOptions, "source" | "set" | "series" | "segmented">): Sql {
  const grid = quantileGrid(levels).join(", ");
  const seg = o.segmented ? "seg, " : "";
  const u = usersSql(o, o.segmented ?? false, ["vh", "multi", "c_values"]);
  return {
    sql: `
SELECT ${o.segmented ? `seg, ${SEG_ARM_KEY} AS pk, ` : ""}j, vh, ${VARIANT_NAME} AS variant, quantilesExactMerge(${grid})(qs) AS quantiles, sumMap([bin], [views]) AS histogram
FROM (
  SELECT ${seg}j, vh, ${BIN_SQL} AS bin, count() AS views, quantilesExactState(${grid})(value) AS qs
  FROM (SELECT ${seg}vh, j, c_values[j] AS vals FROM (${u.sql}) ARRAY JOIN [${positions.map((p) => p + 1).join(", ")}] AS j WHERE NOT multi)
  ARRAY JOIN vals AS value
  GROUP BY ${seg}j, vh, bin
)
GROUP BY ${seg}j, vh${settings(o)}`,
    params: u.params,
  };
}

/**
 * Per (variant hash, multi) exposure counts and the summary statistics of the requested metrics.
 * Params: experiment, variants, prePeriodMs, cohortFrom, origin / width / buckets, the caps, and with
 * percentiles plv (Array(UInt64): arm keys) and plq (Array(Array(Float64)): per arm the quantile
 * estimate of each percentile metric).
 */
export function metricSummariesSql(o: SummariesSqlOptions): Sql {
  const seg = o.segmented ? "seg, " : "";
  const params: Record<string, unknown> = {};
  const perUser: string[] = [];
  const perVariant: string[] = ["count() AS units", "countIf(toUnixTimestamp64Milli(first_at) >= {cohortFrom:Int64}) AS cohort", `${countPerBucket(FIRST_BUCKET_SQL)} AS by_bucket`];
  const thresholds: string[] = [];
  const shifts: string[] = [];
  o.metrics.forEach((m, i) => {
    const p = `m${i}_`;
    const capped = (col: string, pos: number, cap: boolean, side: string) => (cap ? `least(${at(col, pos)}, {cap${i}${side}:Float64})` : at(col, pos));
    switch (m.def.kind) {
      case "proportion":
        perUser.push(`${at("c_post", m.num)} AS ${p}x`, `${at("c_pre", m.num)} AS ${p}p`);
        perVariant.push(`countIf(${p}x > 0) AS ${p}s`, `countIf(${p}p > 0) AS ${p}ps`, `countIf(${p}x > 0 AND ${p}p > 0) AS ${p}pc`);
        break;
      case "mean": {
        perUser.push(`${capped("c_post", m.num, m.capNum, "n")} AS ${p}x`, `${capped("c_pre", m.num, m.capNum, "n")} AS ${p}p`);
        let y = `${p}x`;
        let x = `${p}p`;
        if (m.shift) {
          // Values can be huge next to their spread (epoch timestamps: 1.7e9 ± 10), where
          // Σx² − (Σx)²/n cancels to nothing in doubles; so the sums are of x − k, k = the metric's
          // mean per unit with events among the experiment's exposed users (a scalar read of their
          // events, by the sort key; k only needs to be near the typical value), returned as the
          // shift (analysis' ShiftedMean). Both sources use the same k. Only exposed users' events:
          // another experiment's users' events would move k without moving this rollup's watermark,
          // and summaries stored at that watermark would carry another k than a fresh computation
          // (the same statistics, different sums).
          const c = selectorCondition(m.def.numerator, `k${i}_`, "");
          Object.assign(params, c.params);
          shifts.push(
            `(SELECT ifNotFinite(sum(value) / uniq(user_id), 0) FROM events WHERE ${c.sql} AND user_id IN (SELECT user_id FROM first_exposures WHERE experiment = {experiment:String})) AS ${p}k`,
          );
          y = `(${p}x - ${p}k)`;
          x = `(${p}p - ${p}k)`;
          perVariant.push(`any(${p}k) AS ${p}shift`);
        }
        perVariant.push(`sum(${y}) AS ${p}sum`, `sum(${y} * ${y}) AS ${p}sq`, `sum(${x}) AS ${p}psum`, `sum(${x} * ${x}) AS ${p}psq`, `sum(${y} * ${x}) AS ${p}cross`);
        break;
      }
      case "ratio":
        perUser.push(`${capped("c_post", m.num, m.capNum, "n")} AS ${p}x`, `${capped("c_post", m.den, m.capDen, "d")} AS ${p}y`);
        perVariant.push(`sum(${p}x) AS ${p}sx`, `sum(${p}y) AS ${p}sy`, `sum(${p}x * ${p}x) AS ${p}sx2`, `sum(${p}y * ${p}y) AS ${p}sy2`, `sum(${p}x * ${p}y) AS ${p}sxy`);
        break;
      case "percentile": {
        // per unit: its values at or below its arm's quantile estimate q̂ (the clustered indicator)
        if (o.thresholds) thresholds.push(`arrayElement(arrayElement({plq:Array(Array(Float64))}, indexOf({plv:Array(UInt64)}, ${o.segmented ? SEG_ARM_KEY : "vh"})), ${m.pk}) AS ${p}q`);
        perUser.push(`length(${at("c_values", m.val)}) AS ${p}v`, `${o.thresholds ? `arrayCount(v -> v <= ${p}q, ${at("c_values", m.val)})` : "0"} AS ${p}i`);
        perVariant.push(`sum(${p}i) AS ${p}ix`, `sum(${p}i * ${p}i) AS ${p}ix2`, `sum(${p}i * ${p}v) AS ${p}ixy`, `sum(${p}v) AS ${p}vy`, `sum(${p}v * ${p}v) AS ${p}vy2`);
        break;
      }
    }
  });
  if (o.series) {
    const s = seriesColumns(o.series, o.seriesCap, o.source);
    perUser.push(...s.perUser);
    perVariant.push(...s.perVariant);
  }
  const cols = ["vh", "first_at", "multi", "c_post", "c_pre", ...(o.metrics.some((m) => m.def.kind === "percentile") ? ["c_values"] : []), ...(o.series ? ["series"] : [])];
  const u = usersSql(o, o.segmented ?? false, cols);
  return {
    sql: `${shifts.length > 0 ? `WITH ${shifts.join(",\n     ")}\n` : ""}SELECT ${seg}vh, multi, ${VARIANT_NAME} AS variant, ${perVariant.join(",\n       ")}
FROM (
  SELECT ${["vh", "first_at", "multi", ...(o.segmented ? ["seg"] : []), ...thresholds, ...perUser].join(",\n         ")}
  FROM (${u.sql})
)
GROUP BY ${seg}vh, multi${settings(o)}`,
    params: { ...u.params, ...params },
  };
}

/**
 * Series of one metric from each unit's (bucket, x, y) entries (the `series` column of the per-user
 * rows; the rollup's are by UTC hour, mapped here to the request's buckets, which are whole hours
 * from an hour-aligned origin: rollupServesSeries checks). Sorted by bucket, the unit's cumulative
 * X, Y change only at its entries, so it adds f(X_i, Y_i) − f(X_{i−1}, Y_{i−1}) at bucket b_i for
 * each f summed per bucket (proportion [X > 0]; mean X, X²; ratio X, X², Y, Y², XY, with the
 * unit's value as the aggregate makes it: [X > 0] for any, capped like the metric). Summed per arm
 * with sumMap and cumulated in Node, these are exactly Σ_units f(X_b, Y_b) per bucket, in O(events).
 */
function seriesColumns(s: SeriesSpec, cap: { num: boolean; den: boolean }, source: SummariesSource): { perUser: string[]; perVariant: string[] } {
  const bucketOfHour = "toUInt32(least(greatest(intDiv(toInt64(e.1) * 3600000 - {origin:Int64}, {width:Int64}), 0), {buckets:UInt32} - 1))";
  const entries = source === "rollup" ? `arraySort(arrayMap(e -> (${bucketOfHour}, e.2, e.3), series))` : "arraySort(series)";
  const unitValue = (sel: EventSelector | undefined, v: string, c: boolean, side: string) => {
    const x = sel?.aggregate === "any" ? `toFloat64(${v} > 0)` : v;
    return c ? `least(${x}, {scap${side}:Float64})` : x;
  };
  const X = (v: string) => unitValue(s.numerator, v, cap.num, "n");
  const Y = (v: string) => unitValue(s.denominator, v, cap.den, "d");
  const fs: Record<string, (x: string, y: string) => string> =
    s.kind === "proportion"
      ? { s_sum: (x) => `toFloat64(${x} > 0)` }
      : s.kind === "mean"
        ? { s_sum: (x) => X(x), s_sq: (x) => `${X(x)} * ${X(x)}` }
        : { s_sum: (x) => X(x), s_sq: (x) => `${X(x)} * ${X(x)}`, s_ysum: (_, y) => Y(y), s_ysq: (_, y) => `${Y(y)} * ${Y(y)}`, s_xy: (x, y) => `${X(x)} * ${Y(y)}` };
  const cum = "arrayCumSum(arrayMap(e -> e.2, s_l)) AS s_cx, arrayCumSum(arrayMap(e -> e.3, s_l)) AS s_cy";
  const prev = (a: string) => `arraySlice(arrayPushFront(${a}, 0), 1, length(${a}))`;
  const delta = (f: (x: string, y: string) => string) => `arrayMap((X, Y, PX, PY) -> ${f("X", "Y")} - ${f("PX", "PY")}, s_cx, s_cy, ${prev("s_cx")}, ${prev("s_cy")})`;
  const names = Object.keys(fs);
  return {
    perUser: [`${entries} AS s_l`, cum],
    perVariant: [`sumMap(arrayMap(e -> e.1, s_l), ${names.map((k) => delta(fs[k])).join(", ")}) AS s_deltas`, `[${names.map((k) => `'${k}'`).join(", ")}] AS s_delta_names`],
  };
}
