// A tiny in-process bus for what the decision engine does, so delivery (webhooks, metrics) stays out
// of the engine. Listeners run after the change is committed; their failures are logged, never
// propagated: a rollback must not fail because a subscriber did.
import { processSingleton } from "@/core/process-singleton";
import type { Experiment } from "@/server/experiments/types";
import type { DecisionView } from "./record";

export const DECISION_EVENT_TYPES = ["decision.changed", "experiment.promoted", "experiment.rolled_back", "guardrail.breached", "srm.detected"] as const;
export type DecisionEventType = (typeof DECISION_EVENT_TYPES)[number];

export interface DecisionEvent {
  type: DecisionEventType;
  /** the experiment after the event */
  experiment: Experiment;
  /** the decision behind it (the evaluation, or the latest one for a manual action); null if none */
  decision: DecisionView | null;
  occurredAt: string;
  /** one readable sentence (Slack's `text`) */
  text: string;
  /** machine-readable details: previous recommendation, action, actor, reason, metric, variant, ... */
  data: Record<string, unknown>;
}

export type DecisionListener = (event: DecisionEvent) => void | Promise<void>;

// One registry per process even if the bundler duplicates this module.
const listeners = processSingleton<Set<DecisionListener>>("decisions.listeners", () => new Set());

/** Subscribes to decision events; returns the unsubscribe function. */
export function onDecisionEvent(listener: DecisionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls every listener; resolves when all have settled (tests may await it). */
export async function emitDecisionEvent(event: DecisionEvent): Promise<void> {
  await Promise.all(
    [...listeners].map(async (l) => {
      try {
        await l(event);
      } catch (e) {
        console.error(`[verdict] decision event listener failed on ${event.type} for '${event.experiment.key}': ${(e as Error).message}`);
      }
    }),
  );
}
