// evaluateExperiment({ key, actor, trigger }): summaries → decide() → stored decision → action per the
// experiment's automation mode (manual: recommend only; auto-rollback: act on rollbacks; auto: also
// promote) → decision events. A decision is stored when it changes (record.ts sameDecision); the
// same decision again refreshes the latest row (evidence, lastEvaluatedAt, evaluations). Actions run as the system principal, linked to the decision.
// Evaluations of one experiment never overlap in a process (the timer, newly stored events and a
// request may all ask at once): each waits for the one before it, so the running minima it carries
// and the version it acts on are those of the previous decision.
import type { Principal } from "@/server/auth/principal";
import { SYSTEM } from "@/server/auth/principal";
import { codeVersion } from "@/core/env";
import { AppError, isAppError } from "@/core/errors";
import { getExperiment } from "@/server/experiments/get";
import type { Experiment } from "@/server/experiments/types";
import { decide } from "./decide";
import { emitDecisionEvent, type DecisionEvent } from "./events";
import { evaluationsHeld } from "./hold";
import { loadDecisionInputs } from "./inputs";
import { resolveParameters } from "./parameters";
import { promoteExperiment } from "./promote";
import { processSingleton } from "@/core/process-singleton";
import { latestDecisionRow, refreshDecision, sameDecision, setDecisionAction, storeDecision, toDecisionView, type DecisionOutputs, type DecisionView, type EvaluationTrigger } from "./record";
import { rollbackExperiment } from "./rollback";
import type { Reason } from "./types";

export const EVALUABLE: Experiment["status"][] = ["running", "paused"];
const BREACH_CODES = new Set(["guardrail_harm", "absolute_limit_breached", "load_time_distribution_worse"]);

// Decisions of one experiment are ordered by evaluatedAt: never hand out the same millisecond twice.
let lastEvaluatedAt = 0;
function evaluationTime(at?: Date): Date {
  // a given clock (the demo seed replaying past hours) is taken as is: those evaluations run one by one
  if (at) return at;
  lastEvaluatedAt = Math.max(Date.now(), lastEvaluatedAt + 1);
  return new Date(lastEvaluatedAt);
}

function summarize(reasons: Reason[]): string {
  return reasons.map((r) => r.message).join("; ");
}

// The evaluation in progress per experiment (the tail of its chain).
const inflight = processSingleton("decisionsEvaluating", () => new Map<string, Promise<unknown>>());

export function evaluateExperiment({ key, actor, trigger = "manual", at }: { key: string; actor: Principal; trigger?: EvaluationTrigger; at?: Date }): Promise<DecisionView> {
  const previous = inflight.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => evaluateOnce(key, actor, trigger, at));
  const tail = run.catch(() => undefined);
  inflight.set(key, tail);
  void tail.then(() => {
    if (inflight.get(key) === tail) inflight.delete(key);
  });
  return run;
}

async function evaluateOnce(key: string, actor: Principal, trigger: EvaluationTrigger, at?: Date): Promise<DecisionView> {
  if (!at && evaluationsHeld(key)) {
    throw new AppError("conflict", `'${key}' is being evaluated by the demo seed, which replays its past hours; try again when the seed is done (about a minute after start)`, { key });
  }
  const experiment = await getExperiment({ key });
  if (!EVALUABLE.includes(experiment.status)) {
    throw new AppError("invalid_transition", `Cannot evaluate experiment '${key}': it is ${experiment.status}`, { status: experiment.status, allowedFrom: EVALUABLE });
  }
  const previousRow = await latestDecisionRow(key);
  const carried = (previousRow?.outputs as DecisionOutputs | null)?.carry ?? {};
  const parameters = resolveParameters(experiment);
  const inputs = await loadDecisionInputs(experiment, parameters, evaluationTime(at), carried);
  const decision = decide(inputs, parameters);
  const stored = { inputs, parameters, decision, codeVersion: codeVersion(), trigger };
  const same = previousRow !== null && sameDecision(previousRow, stored, wantsAction(experiment, decision.recommendation) !== null);
  const row = same ? await refreshDecision(previousRow.id, stored) : await storeDecision(stored);
  const view = toDecisionView(row, { full: true });

  const action = await act(experiment, view, actor, trigger, at);
  if (action) {
    await setDecisionAction(view.id, action);
    view.action = action;
  }
  const previous = previousRow ? toDecisionView(previousRow, { full: false }) : null;
  for (const event of eventsFor(experiment, view, previous)) await emitDecisionEvent(event);
  return view;
}

/** The action the automation mode takes on a recommendation, if any. */
function wantsAction(e: Experiment, recommendation: DecisionView["recommendation"]): "rollback" | "promote" | null {
  if (e.status !== "running") return null;
  if (recommendation === "rollback" && (e.automation === "auto-rollback" || e.automation === "auto")) return "rollback";
  if (recommendation === "promote" && e.automation === "auto") return "promote";
  return null;
}

/** What the automation mode allows; returns the action taken (stored with the decision) or null. */
async function act(e: Experiment, d: DecisionView, requestedBy: Principal, trigger: EvaluationTrigger, at?: Date): Promise<string | null> {
  const wants = wantsAction(e, d.recommendation);
  if (!wants) return null;
  const wantsRollback = wants === "rollback";
  const common = { actor: SYSTEM, key: e.key, decisionId: d.id, expectVersion: e.version, at };
  const by = requestedBy.kind === "system" ? `evaluator, on ${trigger === "events" ? "new events" : "its timer"}` : `evaluation requested by ${requestedBy.name}`;
  try {
    if (wantsRollback) {
      const r = await rollbackExperiment({ ...common, reason: `automatic rollback (${e.automation}, ${by}): ${summarize(d.reasons)}` });
      return r.summary;
    }
    const r = await promoteExperiment({ ...common, variant: d.winner ?? undefined, reason: `automatic promotion (${by}): ${summarize(d.reasons)}` });
    return r.summary;
  } catch (err) {
    // a refused action (stale version, incompatible database without acknowledgement) is recorded, not thrown
    if (isAppError(err)) return `not acted: ${err.message}`;
    throw err;
  }
}

function eventsFor(e: Experiment, d: DecisionView, previous: DecisionView | null): DecisionEvent[] {
  const base = { experiment: e, decision: d, occurredAt: d.evaluatedAt };
  const events: DecisionEvent[] = [];
  if (previous ? previous.recommendation !== d.recommendation : d.recommendation !== "hold") {
    events.push({
      ...base,
      type: "decision.changed",
      text: `${e.key}: recommendation ${previous ? `${previous.recommendation} → ` : ""}${d.recommendation}: ${d.reasons[0]?.message ?? ""}`,
      data: { recommendation: d.recommendation, previous: previous?.recommendation ?? null, reasons: d.reasons, stage: d.stage, decisionId: d.id, action: d.action },
    });
  }
  const had = (code: string, metric?: string, variant?: string) => previous?.reasons.some((r) => r.code === code && r.metric === metric && r.variant === variant) ?? false;
  for (const r of d.reasons) {
    if (BREACH_CODES.has(r.code) && !had(r.code, r.metric, r.variant)) {
      events.push({
        ...base,
        type: "guardrail.breached",
        text: `${e.key}: ${r.message}`,
        data: { metric: r.metric, variant: r.variant, code: r.code, evidence: r.evidence, decisionId: d.id, action: d.action },
      });
    }
    if (r.code === "srm_mismatch" && !had("srm_mismatch")) {
      events.push({ ...base, type: "srm.detected", text: `${e.key}: ${r.message}`, data: { evidence: r.evidence, decisionId: d.id } });
    }
  }
  return events;
}
