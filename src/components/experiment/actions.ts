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

/** Endpoints that exist today; the decision actions are added as src/server/decisions lands. */
const LANDED = new Set(["start", "pause", "resume"]);

export function availableActions(e: Pick<Experiment, "key" | "strategy" | "status" | "state" | "rollout" | "control" | "treatment" | "variants">): ActionSpec[] {
  const base = `/api/v1/experiments/${e.key}`;
  const out: ActionSpec[] = [];
  const add = (a: ActionSpec) => LANDED.has(a.id) && out.push(a);
  if (e.status === "draft") {
    add({ id: "start", label: "Start", title: `Start ${e.key}?`, description: "Users begin to be assigned and exposed at the first stage.", path: `${base}/start`, tone: "primary", reason: "none", done: "Started." });
  }
  if (e.status === "running") {
    const next = e.rollout.stages[e.state.stageIndex + 1];
    const promoteLabel =
      e.strategy === "canary" || e.strategy === "rolling"
        ? next !== undefined
          ? `Advance to ${next} %`
          : "Complete rollout"
        : e.strategy === "ab"
          ? `Ship ${e.treatment}`
          : e.strategy === "toggle"
            ? next !== undefined
              ? "Widen to next group"
              : "Enable for everyone"
            : null;
    if (promoteLabel)
      add({ id: "promote", label: promoteLabel, title: `${promoteLabel}?`, description: "Promotes on the current evidence, whatever the recommendation says. Recorded in the audit log with you as the actor.", path: `${base}/promote`, tone: "success", reason: "optional", done: "Promoted." });
    if (e.strategy === "blue_green") {
      const other = e.variants.map((v) => v.key).find((k) => k !== e.state.live) ?? e.treatment;
      add({ id: "switch", label: `Switch live to ${other}`, title: `Switch live traffic to ${other}?`, description: `All traffic moves from ${e.state.live ?? "–"} to ${other} on the next evaluation everywhere. Switching back is instant.`, path: `${base}/switch`, body: { to: other }, tone: "primary", reason: "optional", done: `Live is now ${other}.` });
    }
    if (e.strategy === "toggle")
      add({ id: "kill", label: e.state.enabled ? "Kill switch" : "Re-enable", title: e.state.enabled ? "Turn the feature off everywhere?" : "Turn the feature back on?", description: e.state.enabled ? "Every user gets the default on the next evaluation. No deploy needed." : "Targeting applies again.", path: `${base}/kill`, body: { enabled: !e.state.enabled }, tone: e.state.enabled ? "danger" : "primary", reason: "optional", done: e.state.enabled ? "Feature turned off." : "Feature turned on." });
    add({ id: "pause", label: "Pause", title: `Pause ${e.key}?`, description: "Assignments freeze where they are; no stage advances until resumed.", path: `${base}/pause`, tone: "secondary", reason: "optional", done: "Paused." });
  }
  if (e.status === "paused") add({ id: "resume", label: "Resume", title: `Resume ${e.key}?`, description: "The rollout continues from the current stage.", path: `${base}/resume`, tone: "primary", reason: "none", done: "Resumed." });
  if (e.status === "running" || e.status === "paused") {
    add({ id: "rollback", label: "Roll back", title: `Roll back ${e.key}?`, description: `Every user gets ${e.control} on the next evaluation. Say why: the reason goes to the audit log and the webhooks.`, path: `${base}/rollback`, tone: "danger", reason: "required", done: "Rolled back." });
    add({ id: "evaluate", label: "Evaluate now", title: "Evaluate now?", description: "Runs the decision engine on the latest results; acts only as the automation mode allows.", path: `${base}/evaluate`, tone: "secondary", reason: "none", done: "Evaluated." });
  }
  if (e.status !== "draft") add({ id: "drill", label: "Rollback drill", title: "Run a rollback drill?", description: "Performs the rollback path as a dry run and measures how long the switch takes to reach every evaluation. Users are not affected.", path: `${base}/drill`, tone: "secondary", reason: "none", done: "Drill recorded." });
  return out;
}
