// The metric registry: every metric the results pipeline and the decision engine can ask for, by
// name. A name that is not registered is a custom `metric` event of that name (mean per exposed
// user, higher is better), so an experiment can reference business metrics without code changes.
// A new built-in metric of an existing family is one entry here (README, "Adding a built-in metric").
import { processSingleton } from "@/core/process-singleton";
import type { GuardrailDefault, MetricDefinition } from "./types";

export const PERCENTILE_LEVELS = [0.5, 0.95, 0.99] as const;

/** Issue 6 guardrail defaults: error rate may not rise (promotion rules out +20 %), load time ±5 %, feedback −0.1 / −0.2 points. */
const LOAD_TIME_GUARDRAIL: GuardrailDefault = { tolerance: 0.05, promotionMargin: 0.05, toleranceType: "relative" };

const BUILT_IN: MetricDefinition[] = [
  {
    name: "engagement_rate",
    label: "Engagement rate",
    kind: "proportion",
    direction: "higher_is_better",
    numerator: { type: "engagement", aggregate: "any" },
    source: { family: "engagement", field: "rate" },
    unit: "share",
    cuped: true,
    description: "Share of exposed users with at least one engagement event at or after their first exposure (users without events count as 0).",
    offered: true,
  },
  {
    name: "engagement_per_user",
    label: "Engagements per user",
    kind: "mean",
    direction: "higher_is_better",
    numerator: { type: "engagement", aggregate: "count" },
    source: { family: "engagement", field: "count" },
    unit: "count",
    cuped: true,
    description: "Mean number of engagement events per exposed user.",
    offered: true,
  },
  {
    name: "error_rate",
    label: "Error rate",
    kind: "ratio",
    direction: "lower_is_better",
    numerator: { type: "error", aggregate: "count" },
    denominator: { type: "request", aggregate: "count" },
    source: { family: "errors" },
    unit: "share",
    cuped: false,
    description: "Errors per request: Σ errors / Σ requests over users (delta method; a user's requests are not independent).",
    guardrail: { tolerance: 0, promotionMargin: 0.2, toleranceType: "relative" },
    offered: true,
  },
  {
    name: "page_load_time",
    label: "Page load time (mean)",
    kind: "ratio",
    direction: "lower_is_better",
    numerator: { type: "page_load", aggregate: "sum" },
    denominator: { type: "page_load", aggregate: "count" },
    source: { family: "page_load" },
    unit: "ms",
    cuped: false,
    description: "Mean load time per page view: Σ load time / Σ page views over users (delta method).",
    guardrail: LOAD_TIME_GUARDRAIL,
    offered: true,
  },
  ...PERCENTILE_LEVELS.map((level): MetricDefinition => ({
    name: `page_load_p${Math.round(level * 100)}`,
    label: `Page load time p${Math.round(level * 100)}`,
    kind: "percentile",
    direction: "lower_is_better",
    numerator: { type: "page_load", aggregate: "sum" },
    percentile: level,
    source: { family: "page_load", level },
    unit: "ms",
    cuped: false,
    description: `p${Math.round(level * 100)} of page-view load times, interval clustered by user (Woodruff / Deng et al. 2018).`,
    guardrail: LOAD_TIME_GUARDRAIL,
    offered: level === 0.95,
  })),
  {
    name: "feedback_score",
    label: "Feedback score",
    kind: "mean",
    direction: "higher_is_better",
    numerator: { type: "feedback", aggregate: "sum" },
    denominator: { type: "feedback", aggregate: "count" },
    source: { family: "feedback" },
    unit: "score",
    cuped: false,
    description: "Mean rating among users who rated (a user's ratings are averaged first, so each rater counts once).",
    guardrail: { tolerance: 0.1, promotionMargin: 0.2, toleranceType: "absolute" },
    offered: true,
  },
];

const BY_NAME = new Map(BUILT_IN.map((m) => [m.name, m]));

/**
 * Definitions stored through /api/v1/metrics (src/server/metrics/), pushed here by that domain so the
 * engine stays free of the config store. A stored key never shadows a built-in.
 */
const stored = processSingleton("evidence.storedMetricDefinitions", () => ({ byName: new Map<string, MetricDefinition>() }));

/** Replace the stored definitions the registry knows (their current versions). */
export function setStoredMetricDefinitions(defs: readonly MetricDefinition[]): void {
  stored.byName = new Map(defs.filter((d) => !BY_NAME.has(d.name)).map((d) => [d.name, d]));
}

export function storedMetricDefinitions(): readonly MetricDefinition[] {
  return [...stored.byName.values()];
}

/** Custom metric names are `metric` event names: bounded, no surprises in labels. */
const CUSTOM_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

export function builtInMetrics(): readonly MetricDefinition[] {
  return BUILT_IN;
}

export function isBuiltInMetric(name: string): boolean {
  return BY_NAME.has(name);
}

/** The definition of a metric by name; unknown names are custom `metric` events (mean per user). */
export function metricDefinition(name: string): MetricDefinition | null {
  const builtIn = BY_NAME.get(name) ?? stored.byName.get(name);
  if (builtIn) return builtIn;
  if (!CUSTOM_NAME.test(name)) return null;
  return {
    name,
    label: name,
    kind: "mean",
    direction: "higher_is_better",
    numerator: { type: "metric", name, aggregate: "sum" },
    source: { family: "custom", name },
    cuped: true,
    description: `Sum of the values of '${name}' metric events per exposed user, averaged over exposed users (0 for users without such events).`,
  };
}
