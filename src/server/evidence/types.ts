// The evidence engine's shared shapes: what a metric is, what per-variant statistics it yields, and
// the bucket / series specs of a request. Declared once here and imported by every file of the
// engine (and re-exported by ./index.ts), so the engine's files depend on this one, never on each
// other for types. Imports nothing but analysis/ input shapes.
import type { CupedInput, Mean, Proportion, QuantileSummary, Ratio } from "@analysis";

/** How the per-user summary statistics of a metric are tested (analysis/ function in brackets). */
export type MetricKind =
  | "proportion" // share of exposed users with ≥ 1 event (twoProportionTest)
  | "mean" // per-user value over exposed users (welchTTest)
  | "ratio" // Σ numerator / Σ denominator over users (ratioTest, delta method)
  | "percentile"; // clustered percentile of page views (percentileTest)

export type Direction = "higher_is_better" | "lower_is_better";

/** Harm a guardrail on the metric tolerates by default, and the harm a promotion must rule out. */
export interface GuardrailDefault {
  tolerance: number;
  promotionMargin: number;
  toleranceType: "relative" | "absolute";
}

/** KPI event types a metric can read (exposures arrive through first_exposures, never as a metric). */
export type KpiEventType = "engagement" | "page_load" | "request" | "error" | "feedback" | "metric";

/** A condition on an event's `properties` (top-level key). Values travel as query parameters only. */
export interface PropertyFilter {
  property: string;
  op: "eq" | "neq" | "in" | "not_in" | "gt" | "gte" | "lt" | "lte" | "exists";
  /** absent only for `exists`; an array only for `in` / `not_in` */
  value?: string | number | boolean | (string | number)[];
}

/**
 * Which events of a unit a metric reads, and how they make the unit's value: the number of matching
 * events (count), the sum of their `value` (sum), or 1 if there is at least one (any). Only events at or
 * after the unit's first exposure count (before it, within the CUPED window: the covariate).
 */
export interface EventSelector {
  type: KpiEventType;
  /** `metric` events: the event name (required for type metric) */
  name?: string;
  where?: PropertyFilter[];
  aggregate: "count" | "sum" | "any";
}

/** Winsorization of per-unit values: at a pooled percentile of the non-zero values (both arms), or at an absolute cap. */
export type MetricCapping = { percentile: number } | { absolute: number };

export interface MetricDefinition {
  /** the key: experiments, results and decisions name a metric by it */
  name: string;
  label: string;
  kind: MetricKind;
  direction: Direction;
  /**
   * proportion: share of exposed units whose numerator value is > 0; mean: the numerator value per
   * exposed unit; ratio: Σ numerator / Σ denominator over units (delta method); percentile: the
   * `percentile` of the selected events' values, clustered by unit.
   */
  numerator: EventSelector;
  /** ratio only */
  denominator?: EventSelector;
  /** percentile only: 0.5 … 0.99 */
  percentile?: number;
  capping?: MetricCapping;
  /** stored definitions: the version (1, 2, … one per edit); built-ins and implicit custom metrics: absent */
  version?: number;
  unit?: "ms" | "share" | "count" | "score";
  /** pre-exposure values of the same metric per user can serve as CUPED covariate */
  cuped: boolean;
  description: string;
  /** a guardrail's defaults on this metric (decisions/parameters.ts); absent: may not get worse, promotion rules out −5 % */
  guardrail?: GuardrailDefault;
  /** suggested in the experiment form's metric list */
  offered?: boolean;
}

/** Per-arm summary statistics of one metric, as the engine returns them. */
export type ArmStats =
  | { kind: "proportion"; proportion: Proportion; cuped: CupedInput | null }
  | { kind: "mean"; mean: Mean; cuped: CupedInput | null }
  | { kind: "ratio"; ratio: Ratio }
  | { kind: "percentile"; quantile: QuantileSummary | null; views: number };

/**
 * One arm's statistics flattened into the analysis input shape (kind + the shape's fields, no CUPED
 * sums): what the decision engine reads and stores with every decision (./arm-input.ts makes it).
 */
export type ArmInput = ({ kind: "proportion" } & Proportion) | ({ kind: "mean" } & Mean) | ({ kind: "ratio" } & Ratio) | ({ kind: "percentile" } & QuantileSummary);

/** Time buckets of a series: `count` buckets of `width` ms from `origin` (ms). */
export interface BucketSpec {
  origin: number;
  width: number;
  count: number;
}

/**
 * The time series of one metric (the primary): per unit, each post-exposure event matching the
 * numerator or the denominator selector contributes (bucket, x, y), x / y = its contribution to the
 * unit's numerator / denominator value (1 for count and any, the event's value for sum).
 */
export interface SeriesSpec {
  metric: string;
  kind: "proportion" | "mean" | "ratio";
  numerator: EventSelector;
  denominator?: EventSelector;
}

/**
 * What an experiment's per-user rollup holds (./components.ts): the scalar components (per-unit
 * values of selectors, positions of c_post / c_pre), the value components (positions of c_values,
 * for percentiles), which scalar components carry a CUPED pre-period value, and the series.
 */
export interface ComponentSet {
  scalar: EventSelector[];
  values: Omit<EventSelector, "aggregate">[];
  /** per scalar component: its pre-period value is computed (a proportion / mean numerator with CUPED) */
  pre: boolean[];
}

export interface RollupSpec {
  components: ComponentSet;
  series: SeriesSpec | null;
}

/**
 * Where per-user values come from: "events" computes them per request (FINAL events joined to the
 * first exposures); "rollup" reads them from results_user_rollup (./rollup.sql.ts).
 */
export type SummariesSource = "events" | "rollup";

export interface SeriesArm {
  /** exposed units by the end of each bucket (cumulative) */
  n: number[];
  /** cumulative sums per bucket: s_sum (proportions: units with a value > 0), s_sq (means), s_ysum, s_ysq, s_xy (ratios) */
  sums: Record<string, number[]>;
}

/** How a request was served, for the callers' counters (verdict_results_summaries_total, verdict_results_rollup_refreshes_total). */
export interface Served {
  /** stored: per-variant rows reused at an unchanged rollup watermark; rollup: aggregated from the rollup; events: one pass over the raw events */
  source: "stored" | "rollup" | "events";
  /** the rollup refresh this request ran (null: the events pass, no refresh) */
  refresh: "full" | "incremental" | "none" | null;
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
  served: Served;
}

/** One value of a segment attribute and the summaries of its units (./segments.ts). */
export interface SegmentValueSummaries {
  value: string;
  summaries: MetricSummaries;
}

/** Summaries broken down by a segment attribute: one entry per kept value (top 20, 'other', '(none)'). */
export interface SegmentSummaries {
  attribute: string;
  values: SegmentValueSummaries[];
  served: Served;
}
