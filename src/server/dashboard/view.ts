// What the experiment page shows, as plain serialisable data: built on the server from the results
// pipeline's summary statistics and the decision store, handed to server and client components alike.
// Types only, so client components may import it (src/server/dashboard's loaders may not be).
import type { Direction } from "@/server/evidence/types";

export interface Interval {
  estimate: number;
  lower: number | null;
  upper: number | null;
}

/** insufficient: too little data or a degenerate comparison (grey, with `note` saying why) */
export type Verdict = "good" | "harm" | "inconclusive" | "insufficient";

export interface MetricRowView {
  metric: string;
  label: string;
  role: "primary" | "secondary" | "guardrail" | "other";
  unit: "ms" | "share" | "count" | "score" | null;
  direction: Direction;
  variant: string;
  control: { n: number; value: number | null; variance: number | null };
  treatment: { n: number; value: number | null };
  absolute: Interval | null;
  relative: Interval | null;
  pValue: number | null;
  alwaysValidP: number | null;
  significant: boolean;
  verdict: Verdict;
  cupedReduction: number | null;
  note: string | null;
}

export interface ArmView {
  variant: string;
  exposures: number;
  expectedShare: number;
}

export interface ResultsView {
  computedAt: string | null;
  /** shown from the page's last computation while a newer one is still running */
  refreshing?: boolean;
  /** end of the last time bucket in which new units were exposed (for the stale-data warning) */
  lastExposureAt: string | null;
  control: string;
  /** what the control arm is: a toggle's holdback keeps the old behaviour */
  controlRole?: "control" | "holdback";
  arms: ArmView[];
  srm: { pValue: number | null; mismatch: boolean; checked: boolean; note: string } | null;
  metrics: MetricRowView[];
  /** cumulative exposures per variant: { t, [variant]: count } */
  exposuresSeries: Record<string, number | string>[];
  /** cumulative relative effect of the primary metric (treatment vs control) */
  cumulative: { metric: string; label: string; points: { t: string; estimate: number; band: [number, number] }[] } | null;
  /** page-load histogram: { bin (lower edge, ms), [variant]: share of that variant's page views } */
  pageLoad: Record<string, number | string>[];
  /** toggle with holdback 0 (no comparison group): the "on" users before vs after they got it */
  beforeAfter?: BeforeAfterCardView | null;
}

export interface BeforeAfterCardView {
  label: string;
  variant: string;
  users: number;
  baselineMinutes: number;
  caveat: string;
  metrics: {
    metric: string;
    label: string;
    unit: MetricRowView["unit"];
    pairedUsers: number;
    before: number | null;
    after: number | null;
    difference: Interval | null;
    relativeChange: number | null;
  }[];
}

export interface DecisionReasonView {
  code: string;
  message: string;
  metric?: string;
  variant?: string;
}

export interface DecisionView {
  id: string | null;
  recommendation: "promote" | "hold" | "rollback";
  reasons: DecisionReasonView[];
  stage: number | null;
  /** when the decision was first reached */
  evaluatedAt: string;
  /** the latest evaluation that reached it again (= evaluatedAt when only one did) */
  lastEvaluatedAt: string;
  evaluations: number;
  action: string | null;
}

export interface TimelineEntry {
  at: string;
  kind: "audit" | "decision";
  title: string;
  actor: string;
  automatic: boolean;
  reason: string | null;
  detail: string | null;
  tone: "green" | "red" | "amber" | "blue" | "grey";
}

/** The last rollback drill, for the readiness card */
export interface DrillView {
  at: string;
  ok: boolean;
  durationMs: number;
  performedBy: string;
  summary: string | null;
}

/** The results broken down by one declared segment attribute (issue 16). */
export interface SegmentView {
  attribute: string;
  /** how adjustedPValue was corrected (Benjamini–Hochberg over the breakdown), for the page's note */
  correction: string;
  comparisons: number;
  values: {
    value: string;
    exposures: Record<string, number>;
    srm: { checked: boolean; mismatch: boolean; pValue: number | null };
    rows: MetricRowView[];
  }[];
}
