import type { Principal } from "@/server/auth/principal";
import { applyAction, type ActionResult } from "./act";
import { KILLABLE, killPatch } from "./transitions";

/** Kill switch: `enabled = false`, everyone gets control at the next evaluation, no deploy needed. */
export async function killExperiment(req: { actor: Principal; key: string; reason?: string | null }): Promise<ActionResult> {
  return applyAction({
    actor: req.actor,
    key: req.key,
    action: "experiment.killed",
    from: KILLABLE,
    reason: req.reason,
    event: "experiment.rolled_back",
    patch: (e) => killPatch(e, new Date()),
  });
}
