import type { experiments } from "@/db/schema";
import type { Rule } from "@/sdk/types";
import type { Metrics, Rollout, RolloutState } from "./schemas";

type Row = typeof experiments.$inferSelect;

export interface Experiment {
  key: string;
  name: string;
  hypothesis: string;
  strategy: Row["strategy"];
  status: Row["status"];
  variants: { key: string; weight: number; description?: string }[];
  control: string;
  treatment: string;
  targeting: Rule | null;
  forced: Record<string, string>;
  hashAttribute: string;
  layer: { key: string; start: number; end: number } | null;
  rollout: Rollout & { stages: number[] };
  state: RolloutState;
  metrics: Metrics;
  /** segment attributes the results and guardrails are broken down by (issue 16) */
  segments: string[];
  automation: Row["automation"];
  rollbackPlan: { target?: string; databaseBackwardCompatible: boolean; notes: string };
  salt: string;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export function toExperiment(row: Row): Experiment {
  return {
    key: row.key,
    name: row.name,
    hypothesis: row.hypothesis,
    strategy: row.strategy,
    status: row.status,
    variants: row.variants as Experiment["variants"],
    control: row.control,
    treatment: row.treatment,
    targeting: (row.targeting as Rule | null) ?? null,
    forced: (row.forced as Record<string, string>) ?? {},
    hashAttribute: row.hashAttribute,
    layer: (row.layer as Experiment["layer"]) ?? null,
    rollout: row.rollout as Experiment["rollout"],
    state: row.state as RolloutState,
    metrics: row.metrics as Metrics,
    segments: (row.segments as string[] | null) ?? [],
    automation: row.automation,
    rollbackPlan: row.rollbackPlan as Experiment["rollbackPlan"],
    salt: row.salt,
    version: row.version,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
  };
}

/** Current stage as a percentage of units (canary stage, rolling share, ab coverage, toggle percentage). */
export function currentStage(e: Pick<Experiment, "state">): number {
  return e.state.exposure;
}
