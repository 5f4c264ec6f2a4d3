// Gathers what decide() reads for one experiment: the results pipeline's per-variant summary
// statistics (cumulative over all stages, and exposures of the current stage's cohort), the stage
// timing, per-instance load times for rolling deploys, and the running minima carried from the
// previous decision.
import { chQuery } from "@/db/clickhouse/client";
import type { Experiment } from "@/server/experiments/types";
import { countServed } from "@/server/monitoring/served";
import { armInput, getMetricSummaries, getSegmentSummaries, metricDefinition, type ArmInput, type MetricSummaries } from "@/server/evidence";
import { ensureMetricDefinitions } from "@/server/metrics/registry";
import { loadBakeInputs } from "./bake";
import { loadBeforeAfter } from "./before-after";
import { INSTANCE_LOAD_TIMES_SQL } from "./instances.sql";
import type { DecisionInputs, DecisionParameters, MetricInput, SegmentInputs } from "./types";

/** Metrics the decision needs: the guardrails, the A/B primary, and requests for rolling gates. */
export function metricsNeeded(params: DecisionParameters): string[] {
  const names = params.guardrails.map((g) => g.metric);
  if (params.primary) names.push(params.primary);
  if (params.strategy === "rolling") names.push("error_rate");
  return [...new Set(names)].filter((n) => metricDefinition(n) !== null);
}

export async function loadDecisionInputs(e: Experiment, params: DecisionParameters, now: Date, carried: Record<string, number>): Promise<DecisionInputs> {
  await ensureMetricDefinitions();
  const stageStartedAt = e.state.stageStartedAt ?? e.startedAt;
  const names = metricsNeeded(params);
  const summaries = await getMetricSummaries({ experiment: e, metrics: names, cohortFrom: stageStartedAt ? Date.parse(stageStartedAt) : 0 });
  countServed(summaries.served);
  const metrics = metricInputs(names, summaries);
  const inputs: DecisionInputs = {
    experiment: {
      key: e.key,
      strategy: e.strategy,
      status: e.status,
      version: e.version,
      variants: e.variants.map((v) => ({ key: v.key, weight: v.weight })),
      control: e.control,
      treatment: e.treatment,
      stageIndex: e.state.stageIndex,
      stages: e.rollout.stages,
      exposure: e.state.exposure,
      live: e.state.live,
    },
    evaluatedAt: now.toISOString(),
    startedAt: e.startedAt,
    stageStartedAt,
    exposures: summaries.exposures,
    stageExposures: summaries.cohort,
    metrics,
    carried,
  };
  const versions = metricVersions(names);
  if (Object.keys(versions).length > 0) inputs.metricVersions = versions;
  // declared segments: the guardrails' cells join the rollback family (./segments.ts)
  const segments: SegmentInputs[] = [];
  const guarded = [...new Set(params.guardrails.map((g) => g.metric))].filter((n) => metricDefinition(n) !== null);
  for (const attribute of guarded.length > 0 ? (params.segments ?? []) : []) {
    const breakdown = await getSegmentSummaries({ experiment: e, metrics: guarded, cohortFrom: stageStartedAt ? Date.parse(stageStartedAt) : 0, segment: attribute });
    countServed(breakdown.served);
    segments.push({ attribute, values: breakdown.values.map((v) => ({ value: v.value, exposures: v.summaries.exposures, metrics: metricInputs(guarded, v.summaries) })) });
  }
  if (segments.length > 0) inputs.segments = segments;
  const bake = await loadBakeInputs(e, now);
  if (bake) inputs.bake = bake;
  const beforeAfter = await loadBeforeAfter(e, now);
  if (beforeAfter) inputs.beforeAfter = beforeAfter;
  if (e.strategy === "rolling") {
    const rows = await chQuery<{ variant: string; means: number[] }>(INSTANCE_LOAD_TIMES_SQL, { experiment: e.key });
    inputs.loadTimePerInstance = Object.fromEntries(rows.map((r) => [r.variant, r.means.map(Number)]));
  }
  return inputs;
}

/** The versions of the stored definitions among `names`, as the engine read them for this evaluation. */
export function metricVersions(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const version = metricDefinition(name)?.version;
    if (version !== undefined) out[name] = version;
  }
  return out;
}

function metricInputs(names: string[], summaries: MetricSummaries): Record<string, MetricInput> {
  const metrics: Record<string, MetricInput> = {};
  for (const name of names) {
    const def = metricDefinition(name);
    const arms: Record<string, ArmInput> = {};
    for (const [variant, stats] of Object.entries(summaries.metrics[name] ?? {})) {
      const arm = armInput(stats);
      if (arm) arms[variant] = arm;
    }
    if (def) metrics[name] = { direction: def.direction, arms };
  }
  return metrics;
}
