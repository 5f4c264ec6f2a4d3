// Which release-manager actions an experiment offers in its current state, and the API call behind
// each. Pure, so the server decides what to render and the client only runs what it was given.
import type { Experiment } from "@/server/experiments/types";

export interface ActionSpec {
  id: string;
  label: string;
  title: string;
  description: string;
  path: string;
  body?: Record<string, unknown>;
  tone: "primary" | "secondary" | "danger" | "success";
  reason: "none" | "optional" | "required";
  done: string;
}

const AFTER_START = ["running", "paused", "promoted", "completed"];

export function availableActions(
  e: Pick<Experiment, "key" | "strategy" | "status" | "state" | "rollout" | "control" | "treatment" | "variants" | "rollbackPlan">,
  /** the engine's latest recommendation: acting against it is possible, but secondary and needs a reason */
  recommendation: "promote" | "hold" | "rollback" | null = null,
): ActionSpec[] {
  const base = `/api/v1/experiments/${e.key}`;
  const out: ActionSpec[] = [];
  const add = (a: ActionSpec) => out.push(a);
  if (e.status === "draft") {
    add({
      id: "start",
      label: "Start",
      title: `Start ${e.key}?`,
      description: "Users begin to be assigned and exposed at the first stage.",
      path: `${base}/start`,
      tone: "primary",
      reason: "none",
      done: "Started.",
    });
  }
  if (e.status === "running") {
    const next = e.rollout.stages[e.state.stageIndex + 1];
    const other = e.variants.map((v) => v.key).find((k) => k !== (e.state.live ?? e.control)) ?? e.treatment;
    const promoteLabel =
      e.strategy === "canary" || e.strategy === "rolling"
        ? next !== undefined && next < 100
          ? `Advance to ${next} %`
          : "Complete rollout"
        : e.strategy === "ab"
          ? `Ship ${e.treatment}`
          : e.strategy === "toggle"
            ? next !== undefined
              ? "Widen to next group"
              : "Complete rollout"
            : `Promote ${other}`;
    // The confirmation is the explicit acknowledgement the API asks for when a rollback would be unsafe.
    const unsafeDb = !e.rollbackPlan.databaseBackwardCompatible && e.state.stageIndex === 0;
    const recommended = recommendation === "promote";
    add({
      id: "promote",
      label: promoteLabel,
      title: `${promoteLabel}?`,
      description: `${
        recommended
          ? "The engine recommends this step. "
          : `Against the engine's recommendation (${recommendation?.toUpperCase() ?? "none yet"}): say why; the reason goes to the audit log and the webhooks. `
      }Recorded with you as the actor.${unsafeDb ? " The database changes are NOT backward compatible: after this, a rollback is unsafe. Confirming acknowledges that." : ""}`,
      path: `${base}/promote`,
      body: unsafeDb ? { acknowledgeIncompatibleDatabase: true } : undefined,
      tone: recommended ? "success" : "secondary",
      reason: recommended ? "optional" : "required",
      done: "Promoted.",
    });
  }
  if (e.strategy === "blue_green" && AFTER_START.includes(e.status)) {
    const live = e.state.live ?? e.control;
    const other = e.variants.map((v) => v.key).find((k) => k !== live) ?? e.treatment;
    add({
      id: "switch",
      label: `Switch live to ${other}`,
      title: `Switch live traffic to ${other}?`,
      description: `All traffic moves from ${live} to ${other} at the next evaluation everywhere. Switching back is just as quick.`,
      path: `${base}/switch`,
      body: { to: other },
      tone: "primary",
      reason: "optional",
      done: `Live is now ${other}.`,
    });
  }
  if (e.strategy === "toggle" && e.state.enabled && AFTER_START.includes(e.status))
    add({
      id: "kill",
      label: "Kill switch",
      title: "Turn the feature off everywhere?",
      description: "Every user gets the default at the next evaluation. No deploy needed.",
      path: `${base}/kill`,
      tone: "danger",
      reason: "optional",
      done: "Feature turned off.",
    });
  if (e.status === "running")
    add({
      id: "pause",
      label: "Pause",
      title: `Pause ${e.key}?`,
      description: "Assignments freeze where they are; no stage advances until resumed.",
      path: `${base}/pause`,
      tone: "secondary",
      reason: "optional",
      done: "Paused.",
    });
  if (e.status === "paused")
    add({
      id: "resume",
      label: "Resume",
      title: `Resume ${e.key}?`,
      description: "The rollout continues from the current stage.",
      path: `${base}/resume`,
      tone: "primary",
      reason: "none",
      done: "Resumed.",
    });
  if (AFTER_START.includes(e.status)) {
    add({
      id: "rollback",
      label: "Roll back",
      title: `Roll back ${e.key}?`,
      description: `Everyone returns to ${e.rollbackPlan.target ?? e.control} at the next evaluation. Say why: the reason goes to the audit log and the webhooks.`,
      path: `${base}/rollback`,
      tone: "danger",
      reason: "required",
      done: "Rolled back.",
    });
  }
  if (e.status === "running")
    add({
      id: "evaluate",
      label: "Evaluate now",
      title: "Evaluate now?",
      description: "Runs the decision engine on the latest results; it acts only as the automation mode allows.",
      path: `${base}/evaluate`,
      tone: "secondary",
      reason: "none",
      done: "Evaluated.",
    });
  if (e.status !== "draft")
    add({
      id: "drill",
      label: "Rollback drill",
      title: "Run a rollback drill?",
      description: "Performs the rollback path as a dry run and measures how long the switch takes to reach every evaluation. Users are not affected.",
      path: `${base}/drill`,
      tone: "secondary",
      reason: "none",
      done: "Drill recorded.",
    });
  return out;
}
