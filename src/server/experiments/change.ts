// The one way an experiment changes: locked read, mutation, version bump and audit entry in a
// single transaction, so concurrent humans and the evaluator never interleave half-changes.
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import { AppError, notFound } from "@/core/errors";
import { processSingleton } from "@/core/process-singleton";
import { toExperiment, type Experiment } from "./types";

/** NOTIFY channel of experiment changes; the payload is the experiment key. */
export const EXPERIMENT_CHANGED_CHANNEL = "verdict_experiment_changed";

type Patch = Partial<Omit<typeof experiments.$inferInsert, "id" | "key" | "version" | "createdAt">>;

export interface ChangeRequest {
  actor: Principal;
  key: string;
  action: string;
  reason?: string | null;
  decisionId?: string | null;
  /** statuses from which the change is legal; otherwise 409 with the current status */
  from?: readonly Experiment["status"][];
  /** returns the columns to update; may throw AppError */
  mutate: (current: Experiment) => Patch;
  /** when the change happens; default now (the demo seed replays past days with their own clock) */
  at?: Date;
}

export async function changeExperiment(req: ChangeRequest): Promise<Experiment> {
  const db = await getDb();
  const { experiment } = await db.transaction(async (tx) => {
    const [row] = await tx.select().from(experiments).where(eq(experiments.key, req.key)).for("update").limit(1);
    if (!row) throw notFound("Experiment", req.key);
    const before = toExperiment(row);
    if (req.from && !req.from.includes(before.status)) {
      throw new AppError("invalid_transition", `Cannot ${verbOf(req.action)} experiment '${req.key}': it is ${before.status}`, {
        status: before.status,
        allowedFrom: req.from,
      });
    }
    const patch = req.mutate(before);
    const [updated] = await tx
      .update(experiments)
      .set({ ...patch, version: sql`${experiments.version} + 1`, updatedAt: req.at ?? new Date() })
      .where(eq(experiments.key, req.key))
      .returning();
    const after = toExperiment(updated);
    await recordAudit(tx, req.actor, {
      action: req.action,
      entityType: "experiment",
      entityKey: req.key,
      before,
      after,
      reason: req.reason ?? null,
      decisionId: req.decisionId ?? null,
      at: req.at,
    });
    // Delivered on commit to every process listening on the config store (other instances' SDK
    // snapshot caches and streams); never for a change that rolls back.
    await tx.execute(sql`select pg_notify(${EXPERIMENT_CHANGED_CHANNEL}, ${req.key})`);
    return { experiment: after };
  });
  onExperimentChanged(experiment);
  return experiment;
}

type Listener = (e: Experiment) => void;
const listeners = processSingleton("experimentListeners", () => new Set<Listener>());

/** Caches that derive from experiments (SDK snapshot, variant catalog) subscribe to drop stale copies. */
export function subscribeExperimentChanges(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onExperimentChanged(e: Experiment): void {
  for (const l of listeners) l(e);
}

/** The audit action's verb for messages ("experiment.rolled_back" -> "roll back"). */
const VERBS: Record<string, string> = {
  started: "start",
  paused: "pause",
  resumed: "resume",
  killed: "kill",
  rolled_back: "roll back",
  switched: "switch",
  promoted: "promote",
  updated: "update",
  rerandomized: "re-randomise",
};

function verbOf(action: string): string {
  const done = action.replace(/^experiment\./, "");
  return VERBS[done] ?? `apply '${done}' to`;
}
