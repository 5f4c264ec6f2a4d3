// The decision contract: what decide() reads (summary statistics + experiment config + stage timing),
// the resolved parameters it applies, and what it answers. Inputs and parameters are stored with
// every decision as JSON, so everything here is plain data (no Dates, no Infinity in stored fields).
import type { Strategy } from "@/sdk/types";
import type { ArmInput, Direction, MetricSummaries } from "@/server/evidence";

export type Recommendation = "promote" | "hold" | "rollback";

export interface MetricInput {
  direction: Direction;
  /** by variant key; a variant without an entry has no data (an empty arm) */
  arms: Record<string, ArmInput>;
}

export interface DecisionInputs {
  experiment: {
    key: string;
    strategy: Strategy;
    status: string;
    version: number;
    variants: { key: string; weight: number }[];
    control: string;
    treatment: string;
    stageIndex: number;
    stages: number[];
    /** percent, meaning per strategy (canary stage, rolling share, toggle percentage, ab coverage) */
    exposure: number;
    live: string | null;
  };
  /** the moment of evaluation, ISO-8601: all timing rules use it, never the wall clock */
  evaluatedAt: string;
  startedAt: string | null;
  stageStartedAt: string | null;
  /** analysed units (first exposures, multiple-exposure units excluded) per variant, all stages */
  exposures: MetricSummaries["exposures"];
  /** units first exposed since the current stage started, per variant */
  stageExposures: MetricSummaries["cohort"];
  metrics: Record<string, MetricInput>;
  /**
   * The version of each stored metric definition (/api/v1/metrics) the evidence was computed with,
   * by name; built-ins and implicit custom metrics are not versioned and are left out. A replay
   * reads the definition at that version (definitionAt in src/server/metrics/versions.ts).
   */
  metricVersions?: Record<string, number>;
  /** rolling: one load-time value per instance (its mean), per variant, for the Mann-Whitney test */
  loadTimePerInstance?: Record<string, number[]>;
  /** running minima of always-valid p-values from the previous decision, by test key */
  carried: Record<string, number>;
  /** blue_green during the bake: the same users before and after the switch (./bake.sql.ts) */
  bake?: BakeInputs;
  /** toggle with holdback 0: the "on" users before and after they got it (./before-after.ts) */
  beforeAfter?: BeforeAfterInputs;
  /** per declared segment attribute, the same metrics per value at first exposure (./segments.ts); absent before issue 16 */
  segments?: SegmentInputs[];
}

export interface SegmentInputs {
  attribute: string;
  values: { value: string; exposures: Record<string, number>; metrics: Record<string, MetricInput> }[];
}

export interface BeforeAfterInputs {
  /** the "on" variant */
  variant: string;
  /** each user's before window: this many minutes up to their first exposure to "on" */
  baselineMinutes: number;
  /** users exposed to "on" only */
  users: number;
  metrics: Record<string, PairedSums>;
}

/** Sums over users of their before (b) and after (a) values: enough for any paired linear contrast. */
export interface PairedSums {
  n: number;
  sumBefore: number;
  sumAfter: number;
  sumSqBefore: number;
  sumSqAfter: number;
  sumProduct: number;
}

export interface BakeInputs {
  switchedAt: string;
  /** the side live before the switch, kept ready; its users' values before the switch are the baseline */
  previousLive: string;
  live: string;
  baselineFrom: string;
  bakeMinutes: number;
  /** users exposed to previousLive (only) before the switch */
  usersBefore: number;
  metrics: Record<string, PairedSums>;
}

export interface ResolvedGuardrail {
  metric: string;
  /** harm tolerated before a rollback; relative to the baseline's value unless toleranceType is absolute */
  tolerance: number;
  /** harm a promotion must rule out */
  promotionMargin: number;
  toleranceType: "relative" | "absolute";
  /** absolute limit on a candidate's value; crossing it (with always-valid confidence) rolls back */
  limit: number | null;
}

export interface DecisionParameters {
  strategy: Strategy;
  alpha: number;
  srmThreshold: number;
  minExposuresPerArm: number;
  minDurationMinutes: number;
  safetyRollout: boolean;
  /** ab only (null for safety rollouts and other strategies): must win after Holm over variants */
  primary: string | null;
  guardrails: ResolvedGuardrail[];
  /** the sample-ratio check: expected share per tested variant, over all exposures or the current
   *  stage's cohort, flagged only once every tested arm has minPerArm units; null = not applicable */
  srm: { expectedShares: Record<string, number>; cohort: "all" | "stage"; minPerArm: number } | null;
  /** N (both arms) at which the always-valid confidence sequences are tightest */
  sequentialTuning: number;
  /** smallest arm (units) on which a comparative test is run at all: the tests are asymptotic */
  minUnitsForTests: number;
  /** rolling: smallest number of instances per arm, and requests per arm, before promotion */
  rolling: { minInstancesPerArm: number; minRequestsPerArm: number };
  /** toggle: share (0..0.5) of each released group held back as the comparison; absent in decisions stored before holdbacks = 0 */
  holdback?: number;
  /** holds say when an arm cannot fill, without ETAs (./feasibility.ts); absent in decisions stored before, so they replay as they were */
  explainUnfillable?: boolean;
  /** segment attributes whose cells join the rollback family (Holm over guardrails × variants × segments); absent in decisions stored before issue 16 = none */
  segments?: string[];
  /** blue_green: verification traffic before the switch, bake after it */
  blueGreen?: { verificationShare: number; targeted: boolean; bakeMinutes: number };
}

export type ReasonCode =
  // rollback
  | "guardrail_harm"
  | "absolute_limit_breached"
  | "primary_worse"
  | "load_time_distribution_worse"
  // hold
  | "srm_mismatch"
  | "insufficient_exposures"
  | "min_duration_not_reached"
  | "empty_arm"
  | "zero_variance"
  | "guardrail_inconclusive"
  | "primary_inconclusive"
  | "not_running"
  | "arm_cannot_fill"
  | "bake_in_progress"
  // promote
  | "stage_ready"
  | "guardrails_healthy"
  | "primary_wins"
  | "switch_recommended"
  | "bake_passed"
  | "limits_respected"
  // informational
  | "srm_not_applicable"
  | "no_comparison"
  | "verification_failed";

export interface Reason {
  code: ReasonCode;
  message: string;
  metric?: string;
  variant?: string;
  /** "attribute=value" when the reason is about one segment's units */
  segment?: string;
  evidence?: Record<string, unknown>;
}

/** One statistical test run by decide(), for the feed, Prometheus and the next evaluation's carry. */
export interface TestResult {
  key: string;
  kind: "harm" | "limit" | "non_inferiority" | "primary" | "mann_whitney";
  metric: string;
  variant: string;
  pValue: number | null;
  /** running minimum including carried looks (harm / limit / primary) */
  runningMinPValue?: number;
  adjustedPValue?: number;
  baseline: number | null;
  candidate: number | null;
  relativeChange: number | null;
  /** always-valid upper bound of the harm, in the guardrail's unit (relative share or absolute) */
  harmUpperBound?: number | null;
  rejected?: boolean;
  /** a test on one segment's units ("attribute=value") */
  segment?: string;
}

export interface Decision {
  recommendation: Recommendation;
  reasons: Reason[];
  /** A/B: the variant a promotion ships (best significant winner); otherwise the treatment */
  winner: string | null;
  tests: TestResult[];
  /** running minima to carry into the next evaluation */
  carry: Record<string, number>;
}
