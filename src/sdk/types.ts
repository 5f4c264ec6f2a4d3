/**
 * The snapshot contract: the JSON served by GET /api/v1/sdk/config and evaluated locally by
 * the SDK and by POST /api/v1/assign with the same code. Semantics are documented in
 * src/sdk/README.md; changing them is a breaking change of `version` / `hashVersion`.
 */

export type Strategy = "ab" | "canary" | "blue_green" | "rolling" | "toggle";

export type ExperimentStatus = "running" | "paused" | "promoted" | "rolled_back" | "completed";

export type AttributeValue = string | number | boolean;

/** A targeting rule over unit attributes; groups nest. */
export type Rule =
  | { attribute: string; op: "eq" | "neq"; value: AttributeValue }
  | { attribute: string; op: "in" | "not_in"; values: AttributeValue[] }
  | { attribute: string; op: "gt" | "gte" | "lt" | "lte"; value: number }
  | { attribute: string; op: "semver_eq" | "semver_gt" | "semver_gte" | "semver_lt" | "semver_lte"; value: string }
  | { attribute: string; op: "regex"; value: string }
  | { all: Rule[] }
  | { any: Rule[] }
  | { not: Rule };

export type RuleOp = Extract<Rule, { op: string }>["op"];

export interface SnapshotVariant {
  key: string;
  /** Share of the experiment, 0..1; the weights of an experiment sum to 1. */
  weight: number;
}

export interface SnapshotLayer {
  key: string;
  /** The experiment owns the slice [start, end) of bucket("layer:" + key, unitId). */
  start: number;
  end: number;
}

/** toggle: one released targeting group and the share of its eligible units switched on. */
export interface SnapshotToggleGroup {
  /** null: everyone (still subject to the experiment's `targeting`) */
  targeting: Rule | null;
  /** 0..1: the group's percentage; scaled into the non-holdback range [0, 1 - holdback) */
  exposure: number;
}

/** toggle: the holdback and the groups released so far (absent: the single-percentage toggle). */
export interface SnapshotToggle {
  /** 0..0.5: share of every released group kept on the old behaviour ("off", exposed) */
  holdback: number;
  groups: SnapshotToggleGroup[];
}

export interface SnapshotExperiment {
  key: string;
  strategy: Strategy;
  status: ExperimentStatus;
  /** Experiment key + ":" + salt; a re-rolled salt gives a fresh randomisation. */
  seed: string;
  /** Attribute that identifies the unit: "userId" by default, "deviceId", "instanceId" for rolling. */
  hashAttribute: string;
  /** Contiguous ranges by weight, in this order; variants[0] is control. */
  variants: SnapshotVariant[];
  control: string;
  /** The "new" variant of canary / rolling / toggle / blue_green. */
  treatment: string;
  /** 0..1: ab coverage; canary stage; rolling share of instances released; toggle percentage. */
  exposure: number;
  /** Eligibility (verification traffic for blue_green); failing => control, not exposed. */
  targeting: Rule | null;
  /** unitId -> variant key, for QA: served, not exposed. */
  forced: Record<string, string>;
  /** Mutual exclusion: the unit takes part only if its layer bucket lies in [start, end). */
  layer: SnapshotLayer | null;
  /** Kill switch: false => control, not exposed, for everyone (forced included). */
  enabled: boolean;
  /** blue_green: the variant key of the live environment ("blue" | "green"). */
  live: string | null;
  /** promoted / completed: the variant everyone gets. */
  shipped: string | null;
  /** toggle (optional, added after version 1 shipped): holdback + per-group percentages. */
  toggle?: SnapshotToggle | null;
  /** blue_green (optional): share 0..1 of bucketed units sent to the idle environment (absent = 0). */
  verificationShare?: number;
}

export interface Snapshot {
  version: 1;
  hashVersion: 1;
  generatedAt: string;
  experiments: SnapshotExperiment[];
}

/** What is evaluated: a user (userId) or a server instance (instanceId), plus attributes. */
export interface Unit {
  userId?: string;
  instanceId?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface Assignment {
  experiment: string;
  /** The variant the unit must see. */
  variant: string;
  /** True when the unit is part of the analysis and an exposure should be logged. */
  exposed: boolean;
  strategy: Strategy;
  /** exposure as a percentage (5 for a 5 % canary stage); 100 once shipped, 0 when rolled back. */
  stage: number;
}

/**
 * Why an assignment came out the way it did (not part of the wire format; the OpenFeature
 * provider maps it to OpenFeature reasons, and it helps debugging).
 */
export type AssignmentReason =
  | "rolled_back"
  | "shipped"
  | "disabled"
  | "missing_unit"
  | "forced"
  | "outside_layer"
  | "targeting_miss"
  | "split" // bucketed into an exposed arm
  | "outside_split" // bucketed outside every exposed arm
  | "holdback" // toggle: kept on the old behaviour as the comparison group
  | "live" // blue_green live environment
  | "verification"; // blue_green verification traffic on the idle environment

export interface DetailedAssignment {
  assignment: Assignment;
  reason: AssignmentReason;
  /** True when the experiment is paused: same variant as running, never exposed. */
  paused: boolean;
}
