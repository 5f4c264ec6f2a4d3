import type { Principal } from "@/server/auth/principal";
import { applyAction, type ActionResult } from "./act";
import { ROLLBACKABLE, rollbackPatch } from "./transitions";

/** Everyone back to the old version at the next evaluation (per strategy: transitions.ts). A reason is required. */
export async function rollbackExperiment(req: { actor: Principal; key: string; reason: string; decisionId?: string | null; expectVersion?: number; at?: Date }): Promise<ActionResult> {
  return applyAction({
    actor: req.actor,
    key: req.key,
    action: "experiment.rolled_back",
    from: ROLLBACKABLE,
    reason: req.reason,
    decisionId: req.decisionId,
    expectVersion: req.expectVersion,
    event: "experiment.rolled_back",
    at: req.at,
    patch: (e) => rollbackPatch(e, req.at ?? new Date()),
  });
}
