import type { Principal } from "@/server/auth/principal";
import { applyAction, type ActionResult } from "./act";
import { SWITCHABLE, switchPatch } from "./transitions";

/** blue_green: flip the live pointer atomically (to the other environment, or `to`); switching back is switching again. */
export async function switchLive(req: { actor: Principal; key: string; to?: string; reason?: string | null }): Promise<ActionResult> {
  return applyAction({
    actor: req.actor,
    key: req.key,
    action: "experiment.switched",
    from: SWITCHABLE,
    reason: req.reason,
    patch: (e) => switchPatch(e, req.to),
  });
}
