// Shared path of every release action: the change goes through changeExperiment (locked, versioned,
// audited with the reason and the decision behind it), then the decision event is published.
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/core/errors";
import { changeExperiment } from "@/server/experiments/change";
import type { Experiment } from "@/server/experiments/types";
import { emitDecisionEvent, type DecisionEventType } from "./events";
import { getDecisionRow, latestDecisionRow, toDecisionView, type DecisionView } from "./record";
import type { Patch } from "./transitions";

export interface ActionRequest {
  actor: Principal;
  key: string;
  /** audit action, e.g. experiment.promoted */
  action: string;
  from: readonly Experiment["status"][];
  reason?: string | null;
  /** the decision that caused the action; manual actions link the latest decision when omitted */
  decisionId?: string | null;
  /** the evaluator acts only on the version it evaluated: a human change in between wins */
  expectVersion?: number;
  patch: (current: Experiment) => Patch & { summary: string };
  event?: DecisionEventType;
  /** when the action happens; default now (the demo seed replays past days with their own clock) */
  at?: Date;
}

export interface ActionResult {
  experiment: Experiment;
  before: Experiment;
  summary: string;
  decision: DecisionView | null;
}

export async function applyAction(req: ActionRequest): Promise<ActionResult> {
  const linked = req.decisionId ? await getDecisionRow(req.decisionId) : await latestDecisionRow(req.key);
  const decision = linked ? toDecisionView(linked, { full: false }) : null;
  let before: Experiment | undefined;
  let summary = "";
  const experiment = await changeExperiment({
    actor: req.actor,
    key: req.key,
    action: req.action,
    from: req.from,
    reason: req.reason ?? null,
    decisionId: decision?.id ?? null,
    at: req.at,
    mutate: (current) => {
      if (req.expectVersion !== undefined && current.version !== req.expectVersion) {
        throw new AppError("conflict", `'${req.key}' changed since it was evaluated (version ${req.expectVersion} → ${current.version}); not acting on a stale decision`, {
          evaluatedVersion: req.expectVersion,
          version: current.version,
        });
      }
      before = current;
      const p = req.patch(current);
      summary = p.summary;
      return { ...(p.status ? { status: p.status } : {}), state: p.state, ...(p.endedAt !== undefined ? { endedAt: p.endedAt } : {}) };
    },
  });
  const result = { experiment, before: before as Experiment, summary, decision };
  if (req.event) {
    await emitDecisionEvent({
      type: req.event,
      experiment,
      decision,
      occurredAt: (req.at ?? new Date()).toISOString(),
      text: `${req.key}: ${summary}${req.reason ? ` — ${req.reason}` : ""} (by ${req.actor.name})`,
      data: {
        action: req.action,
        summary,
        actor: req.actor.name,
        actorKind: req.actor.kind,
        reason: req.reason ?? null,
        from: { status: result.before.status, stage: result.before.state.exposure, live: result.before.state.live },
        to: { status: experiment.status, stage: experiment.state.exposure, live: experiment.state.live, shipped: experiment.state.shipped },
        decisionId: decision?.id ?? null,
      },
    });
  }
  return result;
}
