// ClickHouse → per-variant summary statistics, in the shapes analysis/ takes. This is the lean
// entry point of the decision engine: getMetricSummaries({ experiment, metrics }) runs one
// exposures query and one pass over the needed event types, nothing else.
import type { CupedInput, Mean, Proportion, QuantileSummary, Ratio } from "@analysis";
import { chQuery } from "@/db/clickhouse/client";
import { AppError } from "@/server/errors";
import type { Experiment } from "@/server/experiments/types";
import { metricDefinition, type MetricDefinition } from "./metrics";
import { EXPOSURES_SQL, FAMILY_TYPES, HISTOGRAM, metricSummariesSql, quantileGrid, type Family, type SeriesSpec } from "./summaries.sql";

/** CUPED covariate window: the same metric over the 14 days before each user's first exposure. */
export const PRE_PERIOD_MS = 14 * 24 * 3600 * 1000;

export type ArmStats =
  | { kind: "proportion"; proportion: Proportion; cuped: CupedInput | null }
  | { kind: "mean"; mean: Mean; cuped: CupedInput | null }
  | { kind: "ratio"; ratio: Ratio }
  | { kind: "percentile"; quantile: QuantileSummary | null; views: number };

export interface BucketSpec {
  origin: number;
  width: number;
  count: number;
}

export interface SeriesArm {
  /** exposed units by the end of each bucket (cumulative) */
  n: number[];
  /** cumulative sums per bucket: s_sum, s_sq (means), s_ysum, s_ysq, s_xy (ratios), s_n (raters) */
  sums: Record<string, number[]>;
}

export interface MetricSummaries {
  variants: string[];
  exposures: Record<string, number>;
  /** units first exposed at or after `cohortFrom` (the SRM cohort) */
  cohort: Record<string, number>;
  multipleExposures: number;
  metrics: Record<string, Record<string, ArmStats>>;
  /** page-load histogram per variant: counts per bin (bin layout in HISTOGRAM) */
  histogram: Record<string, { fromMs: number; toMs: number | null; count: number }[]> | null;
  series: { metric: string | null; buckets: BucketSpec; arms: Record<string, SeriesArm> } | null;
}

export interface SummariesRequest {
  experiment: Pick<Experiment, "key" | "variants">;
  metrics: string[];
  /** SRM cohort start (ms); 0 = every exposure */
  cohortFrom?: number;
  buckets?: BucketSpec;
  /** metric whose cumulative per-bucket summaries are wanted (needs `buckets`) */
  seriesMetric?: string | null;
}

type Row = Record<string, number | number[] | [number[], number[]] | string>;

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
  const s = def.source;
  if (def.kind === "percentile") return null;
  if (s.family === "feedback") return { family: "feedback", kind: "feedback" };
  if (s.family === "custom") return { family: "custom", kind: "mean", customIndex: custom.indexOf(s.name) };
  return { family: s.family, kind: def.kind as "proportion" | "mean" | "ratio" };
}

/** Summary statistics per metric and variant for an experiment. Raw events never leave ClickHouse. */
export async function getMetricSummaries(req: SummariesRequest): Promise<MetricSummaries> {
  const defs = resolveMetrics(req.metrics);
  const seriesDef = req.seriesMetric && req.buckets ? resolveMetrics([req.seriesMetric])[0] : null;
  const all = seriesDef ? [...defs, seriesDef] : defs;
  const families = new Set<Family>(all.map((d) => d.source.family));
  const custom = [...new Set(all.flatMap((d) => (d.source.family === "custom" ? [d.source.name] : [])))];
  const levels = [...new Set(all.flatMap((d) => (d.kind === "percentile" && d.source.family === "page_load" && d.source.level ? [d.source.level] : [])))].sort((a, b) => a - b);
  const buckets = req.buckets ?? { origin: 0, width: 3_600_000, count: 1 };
  const series = seriesDef ? seriesSpec(seriesDef, custom) : null;
  const params = {
    experiment: req.experiment.key,
    types: [...families].flatMap((f) => FAMILY_TYPES[f]),
    custom,
    prePeriodMs: PRE_PERIOD_MS,
    cohortFrom: req.cohortFrom ?? 0,
    origin: buckets.origin,
    width: buckets.width,
    buckets: buckets.count,
  };
  const [exposureRows, metricRows] = await Promise.all([
    chQuery<Row>(EXPOSURES_SQL, params),
    families.size > 0 ? chQuery<Row>(metricSummariesSql({ families, percentileLevels: levels, series, customCount: custom.length }), params) : Promise.resolve([] as Row[]),
  ]);

  const variants = req.experiment.variants.map((v) => v.key);
  const exposures: Record<string, number> = Object.fromEntries(variants.map((v) => [v, 0]));
  const cohort: Record<string, number> = Object.fromEntries(variants.map((v) => [v, 0]));
  const exposuresByBucket: Record<string, number[]> = {};
  let multipleExposures = 0;
  for (const r of exposureRows) {
    const v = String(r.variant);
    if (v === "") {
      multipleExposures = num(r.units);
      continue;
    }
    if (!variants.includes(v)) variants.push(v); // an exposure to a variant since removed: still shown
    exposures[v] = num(r.units);
    cohort[v] = num(r.cohort);
    const [keys, counts] = (r.by_bucket as [number[], number[]]) ?? [[], []];
    const perBucket = new Array<number>(buckets.count).fill(0);
    keys.forEach((k, i) => (perBucket[num(k)] += num(counts[i])));
    exposuresByBucket[v] = cumulate(perBucket);
  }
  const rows = new Map(metricRows.map((r) => [String(r.variant), r]));
  const metrics: MetricSummaries["metrics"] = {};
  for (const def of defs) {
    metrics[def.name] = Object.fromEntries(variants.map((v) => [v, armStats(def, rows.get(v), exposures[v] ?? 0, custom, levels)]));
  }
  return {
    variants,
    exposures,
    cohort,
    multipleExposures,
    metrics,
    histogram: families.has("page_load") ? Object.fromEntries(variants.map((v) => [v, histogram(rows.get(v))])) : null,
    series: req.buckets
      ? {
          metric: seriesDef?.name ?? null,
          buckets: req.buckets,
          arms: Object.fromEntries(variants.map((v) => [v, seriesArm(rows.get(v), exposuresByBucket[v] ?? new Array(buckets.count).fill(0), buckets.count)])),
        }
      : null,
  };
}

function cumulate(xs: number[]): number[] {
  let acc = 0;
  return xs.map((x) => (acc += x));
}

function seriesArm(row: Row | undefined, n: number[], count: number): SeriesArm {
  const sums: Record<string, number[]> = {};
  if (row && "s_first_map" in row) {
    // proportion: users whose first qualifying event fell in each bucket, cumulated
    const [keys, counts] = row.s_first_map as [number[], number[]];
    const perBucket = new Array<number>(count).fill(0);
    keys.forEach((k, i) => (perBucket[num(k)] += num(counts[i])));
    sums.s_sum = cumulate(perBucket);
  }
  for (const key of ["s_sum", "s_sq", "s_ysum", "s_ysq", "s_xy", "s_n"]) {
    if (row && key in row) {
      const a = arr(row[key]);
      sums[key] = Array.from({ length: count }, (_, i) => a[i] ?? 0);
    }
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
      const mean = { n, sum: at("sum"), sumSquares: at("sq") };
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
