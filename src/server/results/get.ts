// getResults({ key }): everything the results page and GET /api/v1/experiments/{key}/results show.
import { adjustPValues, type Interval } from "@analysis";
import { getExperiment } from "@/server/experiments/get";
import type { Experiment } from "@/server/experiments/types";
import { countServed } from "@/server/monitoring/served";
import { cachedResults } from "./cache";
import { comparisonStatus, type ComparisonStatus } from "./adequacy";
import { compareArms, describeArm, type CupedResult } from "./compare";
import { finiteJson, type Finite } from "./json";
import { builtInMetrics, checkSrm, getMetricSummaries, metricDefinition, planSrm, PRE_PERIOD_MS, type Direction, type MetricDefinition, type MetricKind, type SrmCheck } from "@/server/evidence";
import { bucketSpec, buildSeries, type SeriesPoint } from "./timeseries";
import { loadBeforeAfter } from "@/server/decisions/before-after";
import { beforeAfterView, type BeforeAfterView } from "@/server/decisions/toggle";

export type MetricRole = "primary" | "secondary" | "guardrail" | "other";

export interface VariantComparison {
  variant: string;
  control: { n: number; mean: number | null; variance: number | null };
  treatment: { n: number; mean: number | null; variance: number | null };
  absolute: Interval;
  relative: Interval;
  relativeUndefined?: boolean;
  pValue: number;
  /** Holm-adjusted over primary + secondary metrics × variants; null for guardrails and others */
  adjustedPValue: number | null;
  /** primary/secondary: adjusted p < alpha; guardrail/other: always-valid p < alpha */
  significant: boolean;
  /** significant and in the metric's good direction / bad direction, else inconclusive */
  outcome: "better" | "worse" | "inconclusive";
  alwaysValid: { pValue: number; absolute: Interval } | null;
  cuped: CupedResult | null;
  degenerate?: string;
  /** insufficient_data: too little data or a degenerate comparison (statusReason says which); it is
   *  never significant, never better or worse, and not part of the Holm family */
  status: ComparisonStatus;
  statusReason: string | null;
}

export interface MetricResult {
  name: string;
  label: string;
  role: MetricRole;
  kind: MetricKind;
  direction: Direction;
  unit: string | null;
  description: string;
  variants: Record<string, { n: number; mean: number | null; variance: number | null; views?: number }>;
  comparisons: VariantComparison[];
}

export interface Results {
  experiment: { key: string; strategy: string; status: string; control: string; treatment: string; variants: string[]; startedAt: string | null; version: number };
  computedAt: string;
  alpha: number;
  correction: { method: "holm"; family: string[] };
  exposures: { total: number; byVariant: Record<string, number> };
  dataQuality: { multipleExposures: number; srm: SrmCheck };
  cupedPrePeriodDays: number;
  metrics: MetricResult[];
  timeseries: { granularity: "hour" | "day"; metric: string; buckets: SeriesPoint[] };
  histogram: { unit: "ms"; variants: Record<string, { fromMs: number; toMs: number | null; count: number }[]> } | null;
  /** toggle with holdback 0 (no comparison group): the "on" users before vs after they got it, paired
   *  per user, labelled and with its caveat (not randomised); null otherwise */
  beforeAfter: BeforeAfterView | null;
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

export async function getResults({ key }: { key: string }): Promise<Finite<Results>> {
  const experiment = await getExperiment({ key });
  return cachedResults(`${key}@${experiment.version}`, async () => finiteJson(await computeResults(experiment, Date.now())));
}

export async function computeResults(e: Experiment, now: number): Promise<Results> {
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
  const treatments = summaries.variants.filter((v) => v !== control);

  const results: MetricResult[] = metrics.map(({ def, role }) => {
    const arms = summaries.metrics[def.name];
    const comparisons: VariantComparison[] = [];
    for (const v of treatments) {
      const cmp = compareArms(arms[control], arms[v], alpha);
      if (!cmp) continue;
      const f = cmp.fixed;
      const adequacy = comparisonStatus(f, { control, variant: v });
      comparisons.push({
        variant: v,
        control: f.control,
        treatment: f.treatment,
        absolute: f.absolute,
        relative: f.relative,
        ...(f.relativeUndefined ? { relativeUndefined: true } : {}),
        pValue: f.pValue,
        adjustedPValue: null,
        significant: false,
        outcome: "inconclusive",
        alwaysValid: cmp.alwaysValid,
        cuped: cmp.cuped,
        ...(f.degenerate ? { degenerate: f.degenerate } : {}),
        status: adequacy.status,
        statusReason: adequacy.reason,
      });
    }
    return {
      name: def.name,
      label: def.label,
      role,
      kind: def.kind,
      direction: def.direction,
      unit: def.unit ?? null,
      description: def.description,
      variants: Object.fromEntries(summaries.variants.map((v) => [v, describeArm(arms[v])])),
      comparisons,
    };
  });

  // Holm over the decision family (primary + secondary × treatments); guardrails are judged by the
  // decision engine with tolerances, and are shown with their always-valid result.
  const family = results.filter((m) => m.role === "primary" || m.role === "secondary").flatMap((m) => m.comparisons.filter((c) => c.status === "ok"));
  const adjusted = family.length > 0 ? adjustPValues(family.map((c) => c.pValue), "holm") : [];
  family.forEach((c, i) => (c.adjustedPValue = adjusted[i]));
  for (const m of results) {
    for (const c of m.comparisons) {
      c.significant = c.status === "ok" && (c.adjustedPValue !== null ? c.adjustedPValue < alpha : (c.alwaysValid?.pValue ?? 1) < alpha);
      const up = c.absolute.estimate > 0;
      c.outcome = !c.significant || c.absolute.estimate === 0 ? "inconclusive" : up === (m.direction === "higher_is_better") ? "better" : "worse";
    }
  }

  return {
    experiment: { key: e.key, strategy: e.strategy, status: e.status, control, treatment: e.treatment, variants: summaries.variants, startedAt: e.startedAt, version: e.version },
    computedAt: new Date(now).toISOString(),
    alpha,
    correction: { method: "holm", family: results.filter((m) => m.role === "primary" || m.role === "secondary").map((m) => m.name) },
    exposures: { total: Object.values(summaries.exposures).reduce((a, b) => a + b, 0), byVariant: summaries.exposures },
    dataQuality: { multipleExposures: summaries.multipleExposures, srm: checkSrm(srmPlan, summaries.cohort, e.metrics.srmThreshold) },
    cupedPrePeriodDays: PRE_PERIOD_MS / 86_400_000,
    metrics: results,
    timeseries: { granularity: buckets.granularity, metric: e.metrics.primary, buckets: buildSeries(summaries, primary, control, alpha) },
    histogram: summaries.histogram ? { unit: "ms", variants: summaries.histogram } : null,
    beforeAfter: beforeAfter ? beforeAfterView(beforeAfter) : null,
  };
}
