// The metric registry: every metric the results pipeline and the decision engine can ask for, by
// name: the built-ins, the definitions stored through /api/v1/metrics (pushed here), and any other
// valid name as a custom `metric` event of that name (mean per exposed user, higher is better), so
// an experiment can reference business metrics without code changes. Every metric is a definition
// (numerator / denominator event selectors): a new built-in metric is one entry here, whatever events
// it reads (README, "Adding a built-in metric").
import { processSingleton } from "@/core/process-singleton";
import type { EventSelector, GuardrailDefault, MetricDefinition, PropertyFilter } from "./types";

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
    unit: "ms",
    cuped: false,
    description: `p${Math.round(level * 100)} of page-view load times, interval clustered by user (Woodruff / Deng et al. 2018).`,
    guardrail: LOAD_TIME_GUARDRAIL,
    offered: level === 0.95,
  })),
  {
    name: "feedback_score",
    label: "Feedback score",
    kind: "ratio",
    direction: "higher_is_better",
    numerator: { type: "feedback", aggregate: "sum" },
    denominator: { type: "feedback", aggregate: "count" },
    unit: "score",
    cuped: false,
    description: "Mean rating per rating: Σ ratings / Σ number of ratings over users (delta method; a user's ratings are not independent, so the interval is clustered by user).",
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
    cuped: true,
    description: `Sum of the values of '${name}' metric events per exposed user, averaged over exposed users (0 for users without such events).`,
  };
}

const KPI_TYPES = new Set(["engagement", "page_load", "request", "error", "feedback", "metric"]);
const AGGREGATES = new Set(["count", "sum", "any"]);
const OPS = new Set(["eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "exists"]);
const PROPERTY = /^[A-Za-z0-9_.:-]{1,64}$/;
export const MAX_FILTERS = 10;
export const MAX_IN_VALUES = 100;
const MAX_STRING_VALUE = 512;

function selectorProblems(sel: EventSelector | undefined, at: string): string[] {
  if (!sel || typeof sel !== "object") return [`${at}: required`];
  const out: string[] = [];
  if (!KPI_TYPES.has(sel.type)) out.push(`${at}.type: one of ${[...KPI_TYPES].join(", ")}`);
  if (sel.type === "metric" && sel.name === undefined) out.push(`${at}.name: required for type metric (the metric event's name)`);
  if (sel.name !== undefined && (typeof sel.name !== "string" || !CUSTOM_NAME.test(sel.name))) out.push(`${at}.name: 1–100 characters of A–Z a–z 0–9 _ . : -`);
  if (!AGGREGATES.has(sel.aggregate)) out.push(`${at}.aggregate: one of count, sum, any`);
  const where = sel.where ?? [];
  if (!Array.isArray(where)) return [...out, `${at}.where: a list of filters`];
  if (where.length > MAX_FILTERS) out.push(`${at}.where: at most ${MAX_FILTERS} filters`);
  where.forEach((f: PropertyFilter, k) => {
    const w = `${at}.where[${k}]`;
    if (typeof f?.property !== "string" || !PROPERTY.test(f.property)) out.push(`${w}.property: 1–64 characters of A–Z a–z 0–9 _ . : -`);
    if (!OPS.has(f?.op)) return out.push(`${w}.op: one of ${[...OPS].join(", ")}`);
    const v = f.value;
    const scalar = (x: unknown) => (typeof x === "string" && x.length <= MAX_STRING_VALUE) || (typeof x === "number" && Number.isFinite(x));
    if (f.op === "exists") {
      if (v !== undefined) out.push(`${w}.value: none for exists`);
    } else if (f.op === "in" || f.op === "not_in") {
      if (!Array.isArray(v) || v.length > MAX_IN_VALUES || !v.every(scalar)) out.push(`${w}.value: a list of at most ${MAX_IN_VALUES} strings (≤ ${MAX_STRING_VALUE} characters) or numbers`);
    } else if (f.op === "eq" || f.op === "neq") {
      if (!scalar(v) && typeof v !== "boolean") out.push(`${w}.value: a string (≤ ${MAX_STRING_VALUE} characters), a number or a boolean`);
    } else if (typeof v !== "number" || !Number.isFinite(v)) out.push(`${w}.value: a number for ${f.op}`);
  });
  return out;
}

/**
 * What is wrong with a definition (empty: valid). Pure: the metrics API validates stored
 * definitions with it before they reach the registry, so the SQL compiler (./selectors.sql.ts) only
 * ever sees selectors it can express.
 */
export function validateMetricDefinition(def: MetricDefinition): string[] {
  const out: string[] = [];
  if (typeof def?.name !== "string" || !CUSTOM_NAME.test(def.name)) out.push("key: 1–100 characters of A–Z a–z 0–9 _ . : -");
  if (!["proportion", "mean", "ratio", "percentile"].includes(def?.kind)) out.push("kind: one of proportion, mean, ratio, percentile");
  if (!["higher_is_better", "lower_is_better"].includes(def?.direction)) out.push("direction: higher_is_better or lower_is_better");
  out.push(...selectorProblems(def?.numerator, "numerator"));
  if (def?.kind === "ratio") out.push(...selectorProblems(def.denominator, "denominator"));
  else if (def?.denominator !== undefined) out.push("denominator: only for ratio metrics");
  if (def?.kind === "percentile") {
    if (typeof def.percentile !== "number" || !(def.percentile >= 0.5 && def.percentile <= 0.99)) out.push("percentile: a number in [0.5, 0.99]");
  } else if (def?.percentile !== undefined) out.push("percentile: only for percentile metrics");
  const cap = def?.capping;
  if (cap !== undefined) {
    if (def.kind === "percentile") out.push("capping: not for percentile metrics (a percentile is robust to outliers already)");
    else if (def.kind === "proportion") out.push("capping: not for proportion metrics (a unit's value is 0 or 1)");
    if ("percentile" in cap) {
      if (typeof cap.percentile !== "number" || !(cap.percentile >= 0.5 && cap.percentile < 1)) out.push("capping.percentile: a number in [0.5, 1)");
    } else if ("absolute" in cap) {
      if (typeof cap.absolute !== "number" || !Number.isFinite(cap.absolute) || cap.absolute <= 0) out.push("capping.absolute: a positive number");
    } else out.push("capping: { percentile } or { absolute }");
  }
  return out;
}
