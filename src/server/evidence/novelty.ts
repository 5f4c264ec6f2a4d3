// getNovelty({ experiment }): the primary metric's effect (treatment − control) by days since first
// exposure and its trend test (analysis/novelty.ts), from the per-user rollup's series of the primary
// metric (./novelty.sql.ts). Two queries after the rollup refresh: the per-day sums, then (when at
// least two days have enough units) the per-arm sums of the trend's robust-variance scores, whose
// coefficients depend on the first query's result. Their rows are stored at the rollup's watermark
// (./stored-summaries.ts) for the cut, taken at whole hours: a repeated read within the hour and
// without new events is a lookup.
import { noveltyEffects, noveltyTrend, type NoveltyDay, type NoveltyDayInput, type NoveltyKind, type NoveltyTrend, type NoveltyTrendPlan } from "@analysis";
import { chQuery } from "@/db/clickhouse/client";
import type { Experiment } from "@/server/experiments/types";
import { metricDefinition } from "./metrics";
import { NOVELTY_MAX_DAYS, noveltyDaysSql, noveltyScoresSql, type NoveltySource } from "./novelty.sql";
import { refreshRollup } from "./rollup";
import { rollupSpecOf, seriesKey, seriesOfMetric, type RollupExperiment } from "./components";
import { storedOrComputed, summariesSignature } from "./stored-summaries";
import { PRE_PERIOD_MS } from "./summaries";
import type { MetricDefinition } from "./types";

export { NOVELTY_MAX_DAYS } from "./novelty.sql";

export interface NoveltyRequest {
  experiment: Pick<Experiment, "key" | "variants" | "control" | "treatment"> & RollupExperiment;
  /** the cut (ms, floored to the hour): a unit counts on day d once it was exposed d + 1 full days before it; default now */
  now?: number;
  /** per-day interval level (default 0.05) */
  alpha?: number;
}

export interface NoveltySummaries {
  metric: string;
  /** how the per-day values are tested; null: not available for this metric (see `unavailable`) */
  kind: NoveltyKind | null;
  unavailable?: string;
  source: NoveltySource | null;
  cut: number;
  /** per day (0 …), units that had reached it, by variant (every variant, not only the compared two) */
  units: { day: number; byVariant: Record<string, number> }[];
  /** the per-arm input of the analysis, control and treatment */
  input: NoveltyDayInput[];
  days: NoveltyDay[];
  trend: NoveltyTrend | null;
  /** reused from the rows stored at the rollup's watermark for this cut (no query ran) */
  stored: boolean;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));
const pairs = (v: unknown): Map<number, number> => {
  const [keys, values] = (v as [unknown[], unknown[]] | undefined) ?? [[], []];
  return new Map(keys.map((k, i) => [num(k), num(values[i])]));
};

/** The novelty kind of a metric and where its per-event entries are, or why there are none. */
function plan(def: MetricDefinition | null, experiment: RollupExperiment): { kind: NoveltyKind; source: NoveltySource } | { unavailable: string } {
  if (!def) return { unavailable: "unknown primary metric" };
  const series = seriesOfMetric(def);
  if (!series) return { unavailable: "a percentile metric has no per-unit daily values" };
  // the rollup keeps the primary metric's series (every kind but percentiles): the novelty view reads it
  const rollup = rollupSpecOf(experiment).series;
  if (rollup && seriesKey(rollup) === seriesKey(series)) return { kind: series.kind, source: "rollup" };
  return { unavailable: "the rollup holds no per-event series of this metric" };
}

const HOUR_MS = 3_600_000;

export async function getNovelty(req: NoveltyRequest): Promise<NoveltySummaries> {
  const { experiment } = req;
  // whole hours: the result can then be stored and reused until the next hour or the next event
  const cut = Math.floor((req.now ?? Date.now()) / HOUR_MS) * HOUR_MS;
  const def = metricDefinition(experiment.metrics?.primary ?? "engagement_rate");
  const p = plan(def, experiment);
  const base = { metric: def?.name ?? experiment.metrics?.primary ?? "", cut, units: [], input: [], days: [], trend: null, stored: false };
  if ("unavailable" in p) return { ...base, kind: null, source: null, unavailable: p.unavailable };
  const { kind, source } = p;
  const proportion = kind === "proportion";
  const refresh = await refreshRollup(experiment.key, PRE_PERIOD_MS, rollupSpecOf(experiment));
  const variants = experiment.variants.map((v) => v.key);
  const params = { experiment: experiment.key, cut, variants };
  const daysSql = noveltyDaysSql(proportion);
  const scoresSql = noveltyScoresSql(proportion);
  const analyse = (rows: Row[]) => analyseDays(rows, kind, experiment, variants, req.alpha);
  // Both queries' rows are stored together at the rollup's watermark (like the per-variant summaries):
  // the second query's coefficients come from the first's rows, so the pair is one result.
  const at = {
    experiment: experiment.key,
    signature: summariesSignature(["novelty", daysSql, scoresSql], { ...params, compared: [experiment.control, experiment.treatment] }),
    watermark: refresh.watermark,
  };
  const {
    rows,
    percentileRows: scoreRows,
    stored,
  } = await storedOrComputed(at, async () => {
    const dayRows = await chQuery<Row>(daysSql, params);
    const { result, armVh } = analyse(dayRows);
    if (!result.plan || armVh.some((v) => v === undefined)) return { rows: dayRows, percentileRows: [] };
    const coefs = coefficients(result.plan, kind);
    return { rows: dayRows, percentileRows: await chQuery<Row>(scoresSql, { ...params, arms: armVh.map(num), ...coefs, first: result.plan.days[0] }) };
  });
  const { input, units, result, armVh } = analyse(rows);
  let trend: NoveltyTrend | null = null;
  if (result.plan && armVh.every((v) => v !== undefined)) {
    const of = (vh: unknown) => {
      const r = scoreRows.find((x) => num(x.vh) === num(vh));
      return { n: num(r?.n), sumS2: num(r?.s2) };
    };
    trend = noveltyTrend(result.plan, { control: of(armVh[0]), treatment: of(armVh[1]) });
  }
  return { metric: def?.name ?? "", kind, source, cut, units, input, days: result.days, trend, stored };
}

/** The first query's per-variant rows → per-day units by variant, the analysis input (control, treatment) and its result. */
function analyseDays(rows: Row[], kind: NoveltyKind, experiment: NoveltyRequest["experiment"], variants: string[], alpha: number | undefined) {
  const proportion = kind === "proportion";
  const byName = new Map(rows.filter((r) => r.variant !== "").map((r) => [String(r.variant), r]));
  const reachedBy = (r: Row | undefined) => {
    // units that reached day d = units whose last day reached is ≥ d (suffix sums of the histogram)
    const hist = ((r?.reached_hist as unknown[]) ?? []).map(num);
    const n = new Array<number>(NOVELTY_MAX_DAYS).fill(0);
    for (let d = NOVELTY_MAX_DAYS - 1, acc = 0; d >= 0; d--) n[d] = acc += hist[d] ?? 0;
    return n;
  };
  const nBy = new Map(variants.map((v) => [v, reachedBy(byName.get(v))]));
  const lastDay = Math.max(-1, ...[...nBy.values()].map((n) => n.findLastIndex((x) => x > 0)));
  const dayList = Array.from({ length: lastDay + 1 }, (_, d) => d);
  const arm = (name: string, d: number) => {
    const r = byName.get(name);
    const at = (k: string) => pairs(r?.[k]).get(d) ?? 0;
    const n = nBy.get(name)?.[d] ?? 0;
    return kind === "ratio" ? { n, sumX: at("sx"), sumX2: at("sx2"), sumY: at("sy"), sumY2: at("sy2"), sumXY: at("sxy") } : { n, sumX: at("sx"), sumX2: proportion ? at("sx") : at("sx2") };
  };
  const input = dayList.map((day) => ({ day, control: arm(experiment.control, day), treatment: arm(experiment.treatment, day) }));
  return {
    input,
    units: dayList.map((day) => ({ day, byVariant: Object.fromEntries(variants.map((v) => [v, nBy.get(v)?.[day] ?? 0])) })),
    result: noveltyEffects(kind, input, { alpha }),
    armVh: [experiment.control, experiment.treatment].map((v) => byName.get(v)?.vh),
  };
}

/**
 * Per arm, by day, the coefficients of a unit's score s = Σ_d cx[d]·x_d − cy[d]·y_d − base[reached]
 * (analysis' noveltyUnitScore: Σ over used days ≤ reached of w (x − center·y)/scale, y = 1 for means
 * and proportions, whose center terms only depend on the days reached).
 */
function coefficients(plan: NoveltyTrendPlan, kind: NoveltyKind): { cx: number[][]; cy: number[][]; base: number[][] } {
  const out = { cx: [] as number[][], cy: [] as number[][], base: [] as number[][] };
  for (const which of ["control", "treatment"] as const) {
    const a = plan.arms[which];
    const cx = new Array<number>(NOVELTY_MAX_DAYS).fill(0);
    const cy = new Array<number>(NOVELTY_MAX_DAYS).fill(0);
    const step = new Array<number>(NOVELTY_MAX_DAYS).fill(0);
    plan.days.forEach((d, i) => {
      cx[d] = plan.weights[i] / a.scale[i];
      if (kind === "ratio") cy[d] = (plan.weights[i] * a.center[i]) / a.scale[i];
      else step[d] = (plan.weights[i] * a.center[i]) / a.scale[i];
    });
    let acc = 0;
    out.cx.push(cx);
    out.cy.push(cy);
    out.base.push(step.map((s) => (acc += s)));
  }
  return out;
}
