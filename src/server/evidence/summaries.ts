// ClickHouse → per-variant summary statistics, in the shapes analysis/ takes. This is the lean
// entry point of the decision engine: getMetricSummaries({ experiment, metrics }) brings the
// experiment's per-user rollup up to date (./rollup.ts) and aggregates it per variant (plus one
// page-load pass for percentiles), or reuses the per-variant rows stored at the rollup's current
// watermark (./stored-summaries.ts). Requests the rollup cannot serve (a series of another metric
// than the primary) run the same statistics as one pass over the raw events instead.
import type { QuantileSummary } from "@analysis";
import { chQuery } from "@/db/clickhouse/client";
import { AppError } from "@/core/errors";
import type { Experiment } from "@/server/experiments/types";
import { metricDefinition } from "./metrics";
import { refreshRollup } from "./rollup";
import { rollupSeriesOf, rollupServesSeries, seriesOfMetric, type SeriesExperiment } from "./rollup-series";
import { storedOrComputed, summariesSignature, type Row, type SummaryRows } from "./stored-summaries";
import { EXPOSURES_SQL, FAMILY_TYPES, HISTOGRAM, MAX_SERIES_BUCKETS, metricSummariesSql, percentilesSql, quantileGrid, VARIANT_NAMES_SQL } from "./summaries.sql";
import type { ArmStats, BucketSpec, Family, MetricDefinition, MetricSummaries, SeriesArm, SeriesSpec, Served, SummariesSource } from "./types";

/** CUPED covariate window: the same metric over the 14 days before each user's first exposure. */
export const PRE_PERIOD_MS = 14 * 24 * 3600 * 1000;

export interface SummariesRequest {
  /** with its primary metric when known: the rollup keeps that metric's series (./rollup-series.ts) */
  experiment: Pick<Experiment, "key" | "variants"> & SeriesExperiment;
  metrics: string[];
  /** SRM cohort start (ms); 0 = every exposure */
  cohortFrom?: number;
  buckets?: BucketSpec;
  /** metric whose cumulative per-bucket summaries are wanted (needs `buckets`) */
  seriesMetric?: string | null;
  /** where per-user values come from; default: the rollup when it can serve the request (tests and the bench compare both) */
  source?: SummariesSource;
  /** rollup source: reuse the per-variant rows stored at the rollup's current watermark (default true; false recomputes them) */
  reuseStored?: boolean;
}

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));
const arr = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).map(num) : []);

export function resolveMetrics(names: string[]): MetricDefinition[] {
  return [...new Set(names)].map((name) => {
    const def = metricDefinition(name);
    if (!def) throw new AppError("bad_request", `Unknown metric '${name}': not a built-in metric and not a valid custom metric name`, { metric: name });
    return def;
  });
}

function seriesSpec(def: MetricDefinition, custom: string[]): SeriesSpec | null {
  const s = seriesOfMetric(def);
  if (!s) return null;
  return s.name === undefined ? { family: s.family, kind: s.kind } : { family: s.family, kind: s.kind, customIndex: custom.indexOf(s.name) };
}

/** Summary statistics per metric and variant for an experiment. Raw events never leave ClickHouse. */
export async function getMetricSummaries(req: SummariesRequest): Promise<MetricSummaries> {
  const plan = planRequest(req, null);
  const { rows, percentileRows, served } = await requestRows(req, plan);
  return assemble(plan, rows, percentileRows, served);
}

/** What a request asks ClickHouse for (shared by getMetricSummaries and ./segments.ts). */
export type RequestPlan = ReturnType<typeof planRequest>;

export function planRequest(req: SummariesRequest, segment: string | null) {
  const defs = resolveMetrics(req.metrics);
  const seriesDef = req.seriesMetric && req.buckets ? resolveMetrics([req.seriesMetric])[0] : null;
  const all = seriesDef ? [...defs, seriesDef] : defs;
  const families = new Set<Family>(all.map((d) => d.source.family));
  const custom = [...new Set(all.flatMap((d) => (d.source.family === "custom" ? [d.source.name] : [])))];
  const levels = [...new Set(all.flatMap((d) => (d.kind === "percentile" && d.source.family === "page_load" && d.source.level ? [d.source.level] : [])))].sort((a, b) => a - b);
  const buckets = req.buckets ?? { origin: 0, width: 3_600_000, count: 1 };
  if (buckets.count > MAX_SERIES_BUCKETS) throw new AppError("bad_request", `At most ${MAX_SERIES_BUCKETS} time buckets`, { buckets: buckets.count });
  const series = seriesDef ? seriesSpec(seriesDef, custom) : null;
  const variants = req.experiment.variants.map((v) => v.key);
  const params: Record<string, unknown> = {
    experiment: req.experiment.key,
    variants,
    types: [...families].flatMap((f) => FAMILY_TYPES[f]),
    custom,
    prePeriodMs: PRE_PERIOD_MS,
    cohortFrom: req.cohortFrom ?? 0,
    origin: buckets.origin,
    width: buckets.width,
    buckets: buckets.count,
    ...(segment !== null ? { segment } : {}),
  };
  const rollupSeries = rollupSeriesOf(req.experiment);
  const servable = rollupServesSeries(series, rollupSeries, custom, buckets);
  if (req.source === "rollup" && !servable) throw new Error(`the rollup of '${req.experiment.key}' does not hold the series of ${req.seriesMetric}`);
  const source: SummariesSource = req.source ?? (servable ? "rollup" : "events");
  const query: SummaryQuery = { families, levels, series, custom, source, params, segmented: segment !== null };
  return { defs, seriesDef, families, custom, levels, buckets, variants, query, rollupSeries, requestedBuckets: req.buckets !== undefined };
}

export async function requestRows(req: SummariesRequest, plan: RequestPlan): Promise<SummaryRows & { served: Served }> {
  const { query, rollupSeries } = plan;
  const { source, params } = query;
  let rows: Row[];
  let percentileRows: Row[];
  let served: Served;
  if (source === "rollup") {
    const refresh = await refreshRollup(req.experiment.key, PRE_PERIOD_MS, rollupSeries);
    const at = { experiment: req.experiment.key, signature: summariesSignature(summarySql(query), params), watermark: refresh.watermark };
    const result = req.reuseStored === false ? { ...(await summaryRows(query)), stored: false } : await storedOrComputed(at, () => summaryRows(query), refresh.kind !== "none");
    ({ rows, percentileRows } = result);
    served = { source: result.stored ? "stored" : "rollup", refresh: refresh.kind };
  } else {
    ({ rows, percentileRows } = await summaryRows(query));
    served = { source: "events", refresh: null };
  }
  await nameVariants([...rows, ...percentileRows], req.experiment.key);
  return { rows, percentileRows, served };
}

/** Per-variant rows (of one segment value, when segmented) → the engine's summaries. */
export function assemble(plan: RequestPlan, rows: Row[], percentileRows: Row[], served: Served): MetricSummaries {
  const { defs, seriesDef, families, custom, levels, buckets } = plan;
  const variants = [...plan.variants];

  const exposures: Record<string, number> = Object.fromEntries(variants.map((v) => [v, 0]));
  const cohort: Record<string, number> = Object.fromEntries(variants.map((v) => [v, 0]));
  const exposuresByBucket: Record<string, number[]> = {};
  const metricRows = new Map<string, Row>();
  let multipleExposures = 0;
  for (const r of rows) {
    if (num(r.multi) === 1) {
      multipleExposures += num(r.units);
      continue;
    }
    const v = String(r.variant);
    if (!variants.includes(v)) variants.push(v); // an exposure to a variant since removed: still shown
    exposures[v] = num(r.units);
    cohort[v] = num(r.cohort);
    exposuresByBucket[v] = cumulate(arr(r.by_bucket).slice(0, buckets.count));
    metricRows.set(v, r);
  }
  for (const r of percentileRows) {
    const row = metricRows.get(String(r.variant));
    if (row) Object.assign(row, { pl_quantiles: r.pl_quantiles, pl_histogram: r.pl_histogram });
  }
  const metrics: MetricSummaries["metrics"] = {};
  for (const def of defs) {
    metrics[def.name] = Object.fromEntries(variants.map((v) => [v, armStats(def, metricRows.get(v), exposures[v] ?? 0, custom, levels)]));
  }
  return {
    variants,
    exposures,
    cohort,
    multipleExposures,
    metrics,
    histogram: families.has("page_load") ? Object.fromEntries(variants.map((v) => [v, histogram(metricRows.get(v))])) : null,
    series: plan.requestedBuckets
      ? {
          metric: seriesDef?.name ?? null,
          buckets,
          arms: Object.fromEntries(variants.map((v) => [v, seriesArm(metricRows.get(v), exposuresByBucket[v] ?? new Array(buckets.count).fill(0), buckets.count)])),
        }
      : null,
    served,
  };
}

/** The summary statistics of a series arm at bucket i (cumulative up to its end), as the series columns hold them; null for percentiles (no series). */
export function seriesArmStats(def: MetricDefinition, arm: SeriesArm, i: number): ArmStats | null {
  const s = (k: string) => arm.sums[k]?.[i] ?? 0;
  const n = arm.n[i] ?? 0;
  if (def.source.family === "feedback") return { kind: "mean", mean: { n: s("s_n"), sum: s("s_sum"), sumSquares: s("s_sq") }, cuped: null };
  if (def.kind === "proportion") return { kind: "proportion", proportion: { n, successes: Math.min(s("s_sum"), n) }, cuped: null };
  if (def.kind === "mean") return { kind: "mean", mean: { n, sum: s("s_sum"), sumSquares: s("s_sq") }, cuped: null };
  if (def.kind === "ratio") return { kind: "ratio", ratio: { n, sumX: s("s_sum"), sumY: s("s_ysum"), sumX2: s("s_sq"), sumY2: s("s_ysq"), sumXY: s("s_xy") } };
  return null;
}

interface SummaryQuery {
  families: Set<Family>;
  levels: number[];
  series: SeriesSpec | null;
  custom: string[];
  source: SummariesSource;
  params: Record<string, unknown>;
  /** group by the segment value too (attribute in params.segment) */
  segmented: boolean;
}

const wantsPercentiles = (q: SummaryQuery) => q.families.has("page_load") && q.levels.length > 0;
const mainSql = (q: SummaryQuery, withThresholds: boolean) =>
  metricSummariesSql({ families: q.families, percentileCount: withThresholds ? q.levels.length : 0, series: q.series, customCount: q.custom.length, segmented: q.segmented }, q.source);

/** The SQL a request runs (percentile thresholds counted as present): part of its stored-rows signature. */
function summarySql(q: SummaryQuery): string[] {
  return [wantsPercentiles(q) ? percentilesSql(q.levels, q.source, q.segmented) : "", mainSql(q, wantsPercentiles(q))];
}

/**
 * The per-variant rows of a request. Percentiles first: the main pass counts each user's views at
 * or below its arm's quantile estimates, which it receives as parameters (parameterised chDB
 * queries run one at a time anyway).
 */
async function summaryRows(q: SummaryQuery): Promise<SummaryRows> {
  const params = { ...q.params };
  let percentileRows: Row[] = [];
  if (wantsPercentiles(q)) {
    percentileRows = await chQuery<Row>(percentilesSql(q.levels, q.source, q.segmented), params);
    const at = q.levels.map((p) => quantileGrid(q.levels).indexOf(Math.round(p * 1e6) / 1e6));
    params.plv = percentileRows.map((r) => (q.segmented ? r.pk : r.vh));
    params.plq = percentileRows.map((r) => at.map((i) => num(arr(r.pl_quantiles)[i])));
  }
  const rows = q.families.size > 0 || q.source === "rollup" ? await chQuery<Row>(mainSql(q, percentileRows.length > 0), params) : await chQuery<Row>(EXPOSURES_SQL, params);
  return { rows, percentileRows };
}

/**
 * The queries name variants from the experiment's current list; a unit first exposed to a variant
 * since removed comes back as '' with its hash, and is named here (rare: one small extra query).
 */
async function nameVariants(rows: Row[], experiment: string): Promise<void> {
  if (!rows.some((r) => r.variant === "" && num(r.multi) !== 1)) return;
  const names = new Map((await chQuery<{ variant: string; vh: number | string }>(VARIANT_NAMES_SQL, { experiment })).map((r) => [String(r.vh), r.variant]));
  for (const r of rows) if (r.variant === "" && num(r.multi) !== 1) r.variant = names.get(String(r.vh)) ?? `#${String(r.vh)}`;
}

function cumulate(xs: number[]): number[] {
  let acc = 0;
  return xs.map((x) => (acc += x));
}

function seriesArm(row: Row | undefined, n: number[], count: number): SeriesArm {
  const sums: Record<string, number[]> = {};
  if (row && "s_first_map" in row) {
    // proportion: users whose first qualifying event fell in each bucket, cumulated
    sums.s_sum = cumulate(arr(row.s_first_map).slice(0, count));
  }
  if (row && "s_deltas" in row) {
    // means / ratios / raters: per-bucket changes of Σ_users f(X_b, Y_b), cumulated
    const [keys, ...deltas] = row.s_deltas as unknown as number[][];
    (row.s_delta_names as unknown as string[]).forEach((name, j) => {
      const perBucket = new Array<number>(count).fill(0);
      keys.forEach((k, i) => (perBucket[num(k)] += num(deltas[j][i])));
      sums[name] = cumulate(perBucket);
    });
  }
  return { n, sums };
}

function histogram(row: Row | undefined): { fromMs: number; toMs: number | null; count: number }[] {
  const [keys, counts] = (row?.pl_histogram as [number[], number[]] | undefined) ?? [[], []];
  const edge = (k: number) => (k === 0 ? 0 : HISTOGRAM.baseMs * 2 ** ((k - 1) / HISTOGRAM.binsPerOctave));
  return keys.map((k, i) => ({
    fromMs: Math.round(edge(num(k)) * 10) / 10,
    toMs: num(k) >= HISTOGRAM.maxBin ? null : Math.round(edge(num(k) + 1) * 10) / 10,
    count: num(counts[i]),
  }));
}

function armStats(def: MetricDefinition, row: Row | undefined, n: number, custom: string[], levels: number[]): ArmStats {
  const g = (k: string) => num(row?.[k]);
  const s = def.source;
  switch (s.family) {
    case "engagement":
      if (s.field === "rate") {
        return {
          kind: "proportion",
          proportion: { n, successes: g("eng_users") },
          cuped: { n, sum: g("eng_users"), sumSquares: g("eng_users"), covariateSum: g("eng_pre_users"), covariateSumSquares: g("eng_pre_users"), crossSum: g("eng_users_cross") },
        };
      }
      return {
        kind: "mean",
        mean: { n, sum: g("eng_sum"), sumSquares: g("eng_sq") },
        cuped: { n, sum: g("eng_sum"), sumSquares: g("eng_sq"), covariateSum: g("eng_pre_sum"), covariateSumSquares: g("eng_pre_sq"), crossSum: g("eng_cross") },
      };
    case "errors":
      return { kind: "ratio", ratio: { n, sumX: g("err_x"), sumY: g("err_y"), sumX2: g("err_x2"), sumY2: g("err_y2"), sumXY: g("err_xy") } };
    case "page_load":
      if (def.kind === "ratio") return { kind: "ratio", ratio: { n, sumX: g("pl_x"), sumY: g("pl_y"), sumX2: g("pl_x2"), sumY2: g("pl_y2"), sumXY: g("pl_xy") } };
      return { kind: "percentile", quantile: quantileSummary(row, n, s.level ?? 0.5, levels), views: g("pl_y") };
    case "feedback":
      return { kind: "mean", mean: { n: g("fb_users"), sum: g("fb_mean_sum"), sumSquares: g("fb_mean_sq") }, cuped: null };
    case "custom": {
      const i = custom.indexOf(s.name);
      const at = (k: string) => num(row?.[`cm${i}_${k}`]);
      // sums of x − shift (summaries.sql.ts centres custom values): analysis' ShiftedMean
      const mean = { n, sum: at("sum"), sumSquares: at("sq"), shift: at("shift") };
      return { kind: "mean", mean, cuped: { ...mean, covariateSum: at("pre_sum"), covariateSumSquares: at("pre_sq"), crossSum: at("cross") } };
    }
  }
}

function quantileSummary(row: Row | undefined, n: number, level: number, levels: number[]): QuantileSummary | null {
  const views = num(row?.pl_y);
  const values = arr(row?.pl_quantiles);
  const grid = quantileGrid(levels);
  const k = levels.indexOf(level);
  if (!row || views === 0 || values.length !== grid.length || k < 0 || values.some((v) => !Number.isFinite(v))) return null;
  const estimate = values[grid.indexOf(Math.round(level * 1e6) / 1e6)];
  return {
    level,
    estimate,
    indicator: { n, sumX: arr(row.pl_ind_x)[k], sumY: views, sumX2: arr(row.pl_ind_x2)[k], sumY2: num(row.pl_y2), sumXY: arr(row.pl_ind_xy)[k] },
    // the whole grid (all three levels): the interval may need to reach past its own ±0.04
    quantiles: grid.map((l, i) => ({ level: l, value: values[i] })),
  };
}
