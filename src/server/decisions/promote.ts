import type { Principal } from "@/server/auth/principal";
import { applyAction, type ActionResult } from "./act";
import { getDecisionRow, latestDecisionRow } from "./record";
import { PROMOTABLE, promotePatch } from "./transitions";

export interface PromoteRequest {
  actor: Principal;
  key: string;
  reason?: string | null;
  variant?: string;
  acknowledgeIncompatibleDatabase?: boolean;
  decisionId?: string | null;
  expectVersion?: number;
  /** default now */
  at?: Date;
}

/** Canary / rolling / toggle: next stage (completed at the end); ab: ship a variant; blue_green: switch live to the candidate. */
export async function promoteExperiment(req: PromoteRequest): Promise<ActionResult> {
  // ab without an explicit variant ships the winner of the decision behind the promotion
  let variant = req.variant;
  if (!variant) {
    const row = req.decisionId ? await getDecisionRow(req.decisionId) : await latestDecisionRow(req.key);
    const winner = (row?.outputs as { winner?: string | null } | null)?.winner;
    if (winner) variant = winner;
  }
  return applyAction({
    actor: req.actor,
    key: req.key,
    action: "experiment.promoted",
    from: PROMOTABLE,
    reason: req.reason,
    decisionId: req.decisionId,
    expectVersion: req.expectVersion,
    event: "experiment.promoted",
    at: req.at,
    patch: (e) => promotePatch(e, { variant: e.strategy === "ab" ? variant : undefined, acknowledgeIncompatibleDatabase: req.acknowledgeIncompatibleDatabase, now: req.at ?? new Date() }),
  });
}
