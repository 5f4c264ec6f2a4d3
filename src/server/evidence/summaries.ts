// ClickHouse → per-variant summary statistics, in the shapes analysis/ takes. This is the lean
// entry point of the decision engine: getMetricSummaries({ experiment, metrics }) brings the
// experiment's per-user rollup up to date (./rollup.ts) and aggregates it per variant (plus the
// passes for pooled caps and percentiles), or reuses the per-variant rows stored at the rollup's
// current watermark (./stored-summaries.ts). Requests the rollup cannot serve (a component or series
// it does not hold) run the same aggregation over the same per-user SELECT of the raw events.
import type { QuantileSummary } from "@analysis";
import { chQuery } from "@/db/clickhouse/client";
import { chQueryBatched } from "@/db/clickhouse/union-batch";
import { AppError } from "@/core/errors";
import type { Experiment } from "@/server/experiments/types";
import { componentsOf, covers, rollupSpecOf, scalarPosition, seriesOfMetric, valuePosition, type RollupExperiment } from "./components";
import { metricDefinition } from "./metrics";
import { refreshRollup } from "./rollup";
import { rollupServesSeries } from "./rollup-series";
import { storedOrComputed, summariesSignature, type Row, type SummaryRows } from "./stored-summaries";
import { capsSql, EXPOSURES_SQL, HISTOGRAM, MAX_SERIES_BUCKETS, metricSummariesSql, percentilesSql, quantileGrid, VARIANT_NAMES_SQL, type AggMetric, type SummariesSqlOptions } from "./summaries.sql";
import type { ArmStats, BucketSpec, ComponentSet, MetricDefinition, MetricSummaries, SeriesArm, Served, SummariesSource } from "./types";

/** CUPED covariate window: the same metric over the 14 days before each user's first exposure. */
export const PRE_PERIOD_MS = 14 * 24 * 3600 * 1000;

export interface SummariesRequest {
  /** with its metrics when known: the rollup holds their components and the primary's series (./components.ts) */
  experiment: Pick<Experiment, "key" | "variants"> & RollupExperiment;
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

/** Summary statistics per metric and variant for an experiment. Raw events never leave ClickHouse. */
export async function getMetricSummaries(req: SummariesRequest): Promise<MetricSummaries> {
  const plan = planRequest(req, null);
  const { rows, percentileRows, served } = await requestRows(req, plan);
  return assemble(plan, rows, percentileRows, served);
}

/** What a request asks ClickHouse for (shared by getMetricSummaries and ./segments.ts). */
export type RequestPlan = ReturnType<typeof planRequest>;

/** The metrics' positions in a component set, as the aggregation reads them. */
function aggMetrics(defs: MetricDefinition[], set: ComponentSet): AggMetric[] {
  let pk = 0;
  return defs.map((def) => ({
    def,
    num: def.kind === "percentile" ? -1 : scalarPosition(set, def.numerator),
    den: def.kind === "ratio" && def.denominator ? scalarPosition(set, def.denominator) : -1,
    val: def.kind === "percentile" ? valuePosition(set, def.numerator) : -1,
    pk: def.kind === "percentile" ? ++pk : 0,
    capNum: def.capping !== undefined && def.kind !== "percentile" && def.kind !== "proportion",
    capDen: def.capping !== undefined && def.kind === "ratio",
    shift: def.kind === "mean" && def.numerator.aggregate === "sum",
  }));
}

export function planRequest(req: SummariesRequest, segment: string | null) {
  const defs = resolveMetrics(req.metrics);
  const seriesDef = req.seriesMetric && req.buckets ? resolveMetrics([req.seriesMetric])[0] : null;
  // the series metric's caps are computed like a requested metric's
  const all = seriesDef && !defs.some((d) => d.name === seriesDef.name) ? [...defs, seriesDef] : defs;
  const buckets = req.buckets ?? { origin: 0, width: 3_600_000, count: 1 };
  if (buckets.count > MAX_SERIES_BUCKETS) throw new AppError("bad_request", `At most ${MAX_SERIES_BUCKETS} time buckets`, { buckets: buckets.count });
  const series = seriesDef ? seriesOfMetric(seriesDef) : null;
  const variants = req.experiment.variants.map((v) => v.key);
  const params: Record<string, unknown> = {
    experiment: req.experiment.key,
    variants,
    prePeriodMs: PRE_PERIOD_MS,
    cohortFrom: req.cohortFrom ?? 0,
    origin: buckets.origin,
    width: buckets.width,
    buckets: buckets.count,
    ...(segment !== null ? { segment } : {}),
  };
  const rollupSpec = rollupSpecOf(req.experiment);
  const own = componentsOf(all);
  const servable = covers(rollupSpec.components, own) && rollupServesSeries(series, rollupSpec.series, buckets);
  if (req.source === "rollup" && !servable) throw new Error(`the rollup of '${req.experiment.key}' does not hold the components or the series of this request`);
  const source: SummariesSource = req.source ?? (servable ? "rollup" : "events");
  const set = source === "rollup" ? rollupSpec.components : own;
  const metrics = aggMetrics(all, set);
  // absolute caps are parameters of the request (so part of its stored rows' signature: an edited cap is another request)
  metrics.forEach((m, i) => {
    if (m.def.capping && "absolute" in m.def.capping) {
      if (m.capNum) params[`cap${i}n`] = m.def.capping.absolute;
      if (m.capDen) params[`cap${i}d`] = m.def.capping.absolute;
    }
  });
  const seriesIndex = seriesDef ? all.findIndex((d) => d.name === seriesDef.name) : -1;
  const percentiles = metrics.filter((m) => m.def.kind === "percentile");
  // the histogram: page_load's values when a percentile of them is asked for, else the first percentile metric's
  const histogramOf = (percentiles.find((m) => m.def.numerator.type === "page_load" && !m.def.numerator.name && !m.def.numerator.where?.length) ?? percentiles[0])?.val ?? -1;
  const query: SummaryQuery = {
    sql: {
      source,
      set,
      metrics,
      series,
      seriesCap: { num: seriesIndex >= 0 && metrics[seriesIndex].capNum, den: seriesIndex >= 0 && metrics[seriesIndex].capDen },
      thresholds: true,
      segmented: segment !== null,
    },
    seriesIndex,
    levels: [...new Set(percentiles.map((m) => m.def.percentile ?? 0.5))].sort((a, b) => a - b),
    positions: [...new Set(percentiles.map((m) => m.val))],
    params,
  };
  return { defs, seriesDef, buckets, variants, query, histogramOf, rollupSpec, requestedBuckets: req.buckets !== undefined };
}

export async function requestRows(req: SummariesRequest, plan: RequestPlan): Promise<SummaryRows & { served: Served }> {
  const { query, rollupSpec } = plan;
  const { params } = query;
  let rows: Row[];
  let percentileRows: Row[];
  let served: Served;
  if (query.sql.source === "rollup") {
    const refresh = await refreshRollup(req.experiment.key, PRE_PERIOD_MS, rollupSpec);
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
  const { defs, seriesDef, buckets, query } = plan;
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
  // per variant and value component (1-based position j): the quantile grid and histogram
  const valueRows = new Map<string, Row>();
  for (const r of percentileRows) valueRows.set(`${String(r.variant)}/${num(r.j)}`, r);
  const metrics: MetricSummaries["metrics"] = {};
  defs.forEach((def, i) => {
    const m = query.sql.metrics[i];
    metrics[def.name] = Object.fromEntries(variants.map((v) => [v, armStats(m, i, metricRows.get(v), exposures[v] ?? 0, valueRows.get(`${v}/${m.val + 1}`), query.levels)]));
  });
  return {
    variants,
    exposures,
    cohort,
    multipleExposures,
    metrics,
    histogram: plan.histogramOf >= 0 ? Object.fromEntries(variants.map((v) => [v, histogram(valueRows.get(`${v}/${plan.histogramOf + 1}`))])) : null,
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
  if (def.kind === "proportion") return { kind: "proportion", proportion: { n, successes: Math.min(s("s_sum"), n) }, cuped: null };
  if (def.kind === "mean") return { kind: "mean", mean: { n, sum: s("s_sum"), sumSquares: s("s_sq") }, cuped: null };
  if (def.kind === "ratio") return { kind: "ratio", ratio: { n, sumX: s("s_sum"), sumY: s("s_ysum"), sumX2: s("s_sq"), sumY2: s("s_ysq"), sumXY: s("s_xy") } };
  return null;
}

interface SummaryQuery {
  sql: SummariesSqlOptions;
  /** the series metric's index in sql.metrics (-1: no series) */
  seriesIndex: number;
  /** percentile levels (the quantile grid) and the value components they read (0-based positions) */
  levels: number[];
  positions: number[];
  params: Record<string, unknown>;
}

const wantsCaps = (q: SummaryQuery) => q.sql.metrics.some((m) => m.def.capping && "percentile" in m.def.capping && (m.capNum || m.capDen));
const wantsPercentiles = (q: SummaryQuery) => q.positions.length > 0;
const wantsExposuresOnly = (q: SummaryQuery) => q.sql.metrics.length === 0 && !q.sql.series && q.sql.source === "events";

/** The SQL a request runs: part of its stored-rows signature (selector parameters included with the params). */
function summarySql(q: SummaryQuery): string[] {
  const withParams = (x: { sql: string; params: Record<string, unknown> }) => `${x.sql}\n${JSON.stringify(x.params)}`;
  return [
    wantsCaps(q) ? withParams(capsSql(q.sql)) : "",
    wantsPercentiles(q) ? withParams(percentilesSql(q.levels, q.positions, q.sql)) : "",
    wantsExposuresOnly(q) ? EXPOSURES_SQL : withParams(metricSummariesSql({ ...q.sql, thresholds: wantsPercentiles(q) })),
  ];
}

/** A cap that caps nothing: no unit had a non-zero value (the quantile of nothing). */
const NO_CAP = Number.MAX_VALUE;

/**
 * The per-variant rows of a request. Caps first (the other passes cap with them), then
 * percentiles: the main pass counts each unit's values at or below its arm's quantile estimates,
 * which it receives as parameters (parameterised chDB queries run one at a time anyway). Each pass
 * shares one statement with the same pass of other experiments' requests made at the same time
 * (chQueryBatched: the evaluator's batch of dirty experiments).
 */
async function summaryRows(q: SummaryQuery): Promise<SummaryRows> {
  const params = { ...q.params };
  if (wantsCaps(q)) {
    const caps = capsSql(q.sql);
    const [row] = await chQueryBatched<Row>(caps.sql, { ...params, ...caps.params });
    for (const c of caps.columns) params[c] = Number.isFinite(num(row?.[c])) ? num(row?.[c]) : NO_CAP;
  }
  if (q.seriesIndex >= 0) {
    params.scapn = params[`cap${q.seriesIndex}n`];
    params.scapd = params[`cap${q.seriesIndex}d`];
  }
  let percentileRows: Row[] = [];
  const thresholds = wantsPercentiles(q);
  if (thresholds) {
    const pq = percentilesSql(q.levels, q.positions, q.sql);
    percentileRows = await chQueryBatched<Row>(pq.sql, { ...params, ...pq.params });
    // per arm key (arm, or (segment, arm)): the estimate of each percentile metric, in pk order
    const grid = quantileGrid(q.levels);
    const keyOf = (r: Row) => String(q.sql.segmented ? r.pk : r.vh);
    const keys = [...new Map(percentileRows.map((r) => [keyOf(r), q.sql.segmented ? r.pk : r.vh])).entries()];
    const percentiles = q.sql.metrics.filter((m) => m.def.kind === "percentile");
    params.plv = keys.map(([, k]) => k);
    params.plq = keys.map(([key]) =>
      percentiles.map((m) => {
        const r = percentileRows.find((x) => keyOf(x) === key && num(x.j) === m.val + 1);
        const v = r ? num(arr(r.quantiles)[grid.indexOf(Math.round((m.def.percentile ?? 0.5) * 1e6) / 1e6)]) : 0;
        return Number.isFinite(v) ? v : 0;
      }),
    );
  }
  let rows: Row[];
  if (wantsExposuresOnly(q)) rows = await chQueryBatched<Row>(EXPOSURES_SQL, params);
  else {
    const main = metricSummariesSql({ ...q.sql, thresholds: thresholds && percentileRows.length > 0 });
    rows = await chQueryBatched<Row>(main.sql, { ...params, ...main.params });
  }
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
  if (row && "s_deltas" in row) {
    // per-bucket changes of Σ_users f(X_b, Y_b), cumulated
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
  const [keys, counts] = (row?.histogram as [number[], number[]] | undefined) ?? [[], []];
  const edge = (k: number) => (k === 0 ? 0 : HISTOGRAM.baseMs * 2 ** ((k - 1) / HISTOGRAM.binsPerOctave));
  return keys.map((k, i) => ({
    fromMs: Math.round(edge(num(k)) * 10) / 10,
    toMs: num(k) >= HISTOGRAM.maxBin ? null : Math.round(edge(num(k) + 1) * 10) / 10,
    count: num(counts[i]),
  }));
}

function armStats(m: AggMetric, i: number, row: Row | undefined, n: number, values: Row | undefined, levels: number[]): ArmStats {
  const g = (k: string) => num(row?.[`m${i}_${k}`]);
  const def = m.def;
  switch (def.kind) {
    case "proportion": {
      const successes = g("s");
      return {
        kind: "proportion",
        proportion: { n, successes },
        cuped: def.cuped ? { n, sum: successes, sumSquares: successes, covariateSum: g("ps"), covariateSumSquares: g("ps"), crossSum: g("pc") } : null,
      };
    }
    case "mean": {
      // a centred mean's sums are of x − shift (summaries.sql.ts): analysis' ShiftedMean
      const mean = { n, sum: g("sum"), sumSquares: g("sq"), ...(m.shift ? { shift: g("shift") } : {}) };
      return { kind: "mean", mean, cuped: def.cuped ? { ...mean, covariateSum: g("psum"), covariateSumSquares: g("psq"), crossSum: g("cross") } : null };
    }
    case "ratio":
      return { kind: "ratio", ratio: { n, sumX: g("sx"), sumY: g("sy"), sumX2: g("sx2"), sumY2: g("sy2"), sumXY: g("sxy") } };
    case "percentile":
      return { kind: "percentile", quantile: quantileSummary(row, i, values, n, def.percentile ?? 0.5, levels), views: g("vy") };
  }
}

function quantileSummary(row: Row | undefined, i: number, valueRow: Row | undefined, n: number, level: number, levels: number[]): QuantileSummary | null {
  const g = (k: string) => num(row?.[`m${i}_${k}`]);
  const views = g("vy");
  const values = arr(valueRow?.quantiles);
  const grid = quantileGrid(levels);
  if (!row || views === 0 || values.length !== grid.length || values.some((v) => !Number.isFinite(v))) return null;
  const estimate = values[grid.indexOf(Math.round(level * 1e6) / 1e6)];
  return {
    level,
    estimate,
    indicator: { n, sumX: g("ix"), sumY: views, sumX2: g("ix2"), sumY2: g("vy2"), sumXY: g("ixy") },
    // the whole grid (every requested level): the interval may need to reach past its own ±0.04
    quantiles: grid.map((l, k) => ({ level: l, value: values[k] })),
  };
}
