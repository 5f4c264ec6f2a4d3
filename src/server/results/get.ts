// getResults({ key }): everything the results page and GET /api/v1/experiments/{key}/results show.
import { adjustPValues } from "@analysis";
import { getExperiment } from "@/server/experiments/get";
import type { Experiment } from "@/server/experiments/types";
import { ensureMetricDefinitions } from "@/server/metrics/registry";
import { countServed } from "@/server/monitoring/served";
import { cachedResults } from "./cache";
import { metricResults, setOutcomes, type MetricResult, type MetricRole } from "./metric-results";
import { finiteJson, type Finite } from "./json";
import { builtInMetrics, checkSrm, getMetricSummaries, metricDefinition, planSrm, PRE_PERIOD_MS, type MetricDefinition, type SrmCheck } from "@/server/evidence";
import { checkSegment, segmentResults, type SegmentBreakdown, type SegmentCorrection } from "./segments";
import { bucketSpec, buildSeries, type SeriesPoint } from "./timeseries";
import { loadBeforeAfter } from "@/server/decisions/before-after";
import { noveltyView, type NoveltyView } from "./novelty";
import { beforeAfterView, type BeforeAfterView } from "@/server/decisions/toggle";

export type { MetricResult, MetricRole, VariantComparison } from "./metric-results";

export interface Results {
  experiment: { key: string; strategy: string; status: string; control: string; treatment: string; variants: string[]; startedAt: string | null; version: number };
  computedAt: string;
  alpha: number;
  correction: { method: "holm"; family: string[]; segments?: SegmentCorrection };
  exposures: { total: number; byVariant: Record<string, number> };
  dataQuality: { multipleExposures: number; srm: SrmCheck };
  cupedPrePeriodDays: number;
  metrics: MetricResult[];
  timeseries: { granularity: "hour" | "day"; metric: string; buckets: SeriesPoint[] };
  histogram: { unit: "ms"; variants: Record<string, { fromMs: number; toMs: number | null; count: number }[]> } | null;
  /** ?segment=<attribute>: the same metrics per value of the attribute (./segments.ts) */
  segments?: SegmentBreakdown;
  /** toggle with holdback 0 (no comparison group): the "on" users before vs after they got it, paired
   *  per user, labelled and with its caveat (not randomised); null otherwise */
  beforeAfter: BeforeAfterView | null;
  /** ?novelty=1: the primary metric's effect by days since first exposure and its trend (./novelty.ts) */
  novelty?: NoveltyView;
}

export function metricsOf(e: Pick<Experiment, "metrics">): { def: MetricDefinition; role: MetricRole }[] {
  const roles = new Map<string, MetricRole>();
  const add = (name: string, role: MetricRole) => !roles.has(name) && roles.set(name, role);
  add(e.metrics.primary, "primary");
  e.metrics.secondary.forEach((m) => add(m, "secondary"));
  e.metrics.guardrails.forEach((g) => add(g.metric, "guardrail"));
  builtInMetrics().forEach((m) => add(m.name, "other"));
  return [...roles].flatMap(([name, role]) => {
    const def = metricDefinition(name);
    return def ? [{ def, role }] : [];
  });
}

export async function getResults({ key, segment, novelty }: { key: string; segment?: string; novelty?: boolean }): Promise<Finite<Results>> {
  await ensureMetricDefinitions();
  const experiment = await getExperiment({ key });
  if (segment !== undefined) checkSegment(experiment, segment);
  // an edited metric definition is a new version: results computed with the old one are not reused
  const versions = metricsOf(experiment)
    .filter((m) => m.def.version !== undefined)
    .map((m) => `${m.def.name}@${m.def.version}`)
    .join(",");
  return cachedResults(`${key}@${experiment.version}${versions ? `#${versions}` : ""}${segment !== undefined ? `?segment=${segment}` : ""}${novelty ? "&novelty" : ""}`, async () => {
    const now = Date.now();
    const results = await computeResults(experiment, now, segment);
    return finiteJson(novelty ? { ...results, novelty: await noveltyView(experiment, now) } : results);
  });
}

export async function computeResults(e: Experiment, now: number, segment?: string): Promise<Results> {
  await ensureMetricDefinitions();
  const metrics = metricsOf(e);
  const start = Date.parse(e.startedAt ?? e.createdAt);
  const buckets = bucketSpec(start, Math.max(now, start + 1));
  const srmPlan = planSrm(e);
  const primary = metricDefinition(e.metrics.primary);
  const summaries = await getMetricSummaries({
    experiment: e,
    metrics: metrics.map((m) => m.def.name),
    cohortFrom: srmPlan.cohortFrom,
    buckets,
    seriesMetric: primary && primary.kind !== "percentile" ? primary.name : null,
  });
  countServed(summaries.served);
  const beforeAfter = await loadBeforeAfter(e, new Date(now));
  const alpha = e.metrics.alpha;
  const control = e.control;

  const results = metricResults(metrics, summaries, control, alpha);

  // Holm over the decision family (primary + secondary × treatments); guardrails are judged by the
  // decision engine with tolerances, and are shown with their always-valid result.
  const family = results.filter((m) => m.role === "primary" || m.role === "secondary").flatMap((m) => m.comparisons.filter((c) => c.status === "ok"));
  const adjusted =
    family.length > 0
      ? adjustPValues(
          family.map((c) => c.pValue),
          "holm",
        )
      : [];
  family.forEach((c, i) => (c.adjustedPValue = adjusted[i]));
  setOutcomes(results, alpha);
  const segmentView = segment ? await segmentResults(e, metrics, segment, srmPlan) : null;

  return {
    experiment: { key: e.key, strategy: e.strategy, status: e.status, control, treatment: e.treatment, variants: summaries.variants, startedAt: e.startedAt, version: e.version },
    computedAt: new Date(now).toISOString(),
    alpha,
    correction: {
      method: "holm",
      family: results.filter((m) => m.role === "primary" || m.role === "secondary").map((m) => m.name),
      ...(segmentView ? { segments: segmentView.correction } : {}),
    },
    exposures: { total: Object.values(summaries.exposures).reduce((a, b) => a + b, 0), byVariant: summaries.exposures },
    dataQuality: { multipleExposures: summaries.multipleExposures, srm: checkSrm(srmPlan, summaries.cohort, e.metrics.srmThreshold) },
    cupedPrePeriodDays: PRE_PERIOD_MS / 86_400_000,
    metrics: results,
    timeseries: { granularity: buckets.granularity, metric: e.metrics.primary, buckets: buildSeries(summaries, primary, control, alpha) },
    histogram: summaries.histogram ? { unit: "ms", variants: summaries.histogram } : null,
    beforeAfter: beforeAfter ? beforeAfterView(beforeAfter) : null,
    ...(segmentView ? { segments: segmentView } : {}),
  };
}
