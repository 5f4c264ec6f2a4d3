// What promote / rollback / switch / kill do to an experiment, per strategy, as pure functions of the
// current experiment: the actions apply them inside changeExperiment (locked), the drill applies
// rollbackPatch to a copy. Semantics of the state fields: src/sdk/README.md ("Evaluation").
import { AppError } from "@/core/errors";
import { bakeMinutes } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";

export interface Patch {
  status?: Experiment["status"];
  state: Experiment["state"];
  endedAt?: Date | null;
}

export const PROMOTABLE: Experiment["status"][] = ["running"];
export const ROLLBACKABLE: Experiment["status"][] = ["running", "paused", "promoted", "completed"];
export const SWITCHABLE: Experiment["status"][] = ["running", "paused", "promoted", "completed"];
export const KILLABLE: Experiment["status"][] = ["running", "paused", "promoted", "completed"];

/** blue_green: the environment a rollback returns to (the plan's target, else control). */
export function stableEnvironment(e: Pick<Experiment, "variants" | "control" | "rollbackPlan">): string {
  const target = e.rollbackPlan.target;
  return target && e.variants.some((v) => v.key === target) ? target : e.control;
}

function otherEnvironment(e: Pick<Experiment, "variants" | "control">, env: string): string {
  return e.variants.find((v) => v.key !== env)?.key ?? e.control;
}

export interface PromoteOptions {
  variant?: string | null;
  acknowledgeIncompatibleDatabase?: boolean;
  now: Date;
}

export function promotePatch(e: Experiment, o: PromoteOptions): Patch & { summary: string } {
  if (!e.rollbackPlan.databaseBackwardCompatible && e.state.stageIndex === 0 && !o.acknowledgeIncompatibleDatabase) {
    throw new AppError(
      "conflict",
      `The database changes of '${e.key}' are not backward compatible: promoting past the first stage makes a rollback unsafe. Send acknowledgeIncompatibleDatabase: true to proceed`,
      { requires: "acknowledgeIncompatibleDatabase", rollbackPlan: e.rollbackPlan },
    );
  }
  const now = o.now.toISOString();
  const done = (shipped: string, status: "completed" | "promoted" = "completed"): Patch & { summary: string } => ({
    status,
    state: { ...e.state, exposure: 100, shipped, live: e.strategy === "blue_green" ? shipped : e.state.live, stageStartedAt: now },
    endedAt: o.now,
    summary: status === "completed" ? `completed: ${shipped} is the new default` : `promoted: ${shipped} ships to everyone`,
  });
  switch (e.strategy) {
    case "canary":
    case "rolling":
    case "toggle": {
      const stages = e.rollout.stages;
      const next = e.state.stageIndex + 1;
      if (next >= stages.length || (e.strategy !== "toggle" && stages[next] >= 100)) {
        const complete = done(e.treatment);
        return { ...complete, state: { ...complete.state, stageIndex: Math.min(next, stages.length - 1) } };
      }
      const what = e.strategy === "toggle" ? `group ${e.rollout.groups?.[next]?.name ?? next + 1}` : `${stages[next]} %`;
      return { state: { ...e.state, stageIndex: next, exposure: stages[next], stageStartedAt: now }, summary: `advanced to ${what}` };
    }
    case "ab": {
      const variant = o.variant ?? e.treatment;
      if (!e.variants.some((v) => v.key === variant)) throw new AppError("bad_request", `'${variant}' is not a variant of '${e.key}'`, { variants: e.variants.map((v) => v.key) });
      return done(variant, "promoted");
    }
    case "blue_green": {
      const live = e.state.live ?? e.control;
      if (e.state.phase === "bake") {
        const finished = done(live, "promoted");
        return {
          ...finished,
          state: { ...finished.state, previousLive: e.state.previousLive ?? null },
          summary: `bake passed: ${live} stays live, ${e.state.previousLive ?? "the previous side"} can be retired`,
        };
      }
      const candidate = otherEnvironment(e, live);
      const bake = bakeMinutes(e);
      if (bake <= 0) return { ...done(candidate, "promoted"), summary: `switched live to ${candidate}` };
      // the previous side stays deployed and ready: the bake judges the new live side against it
      return {
        state: { ...e.state, live: candidate, phase: "bake", switchedAt: now, previousLive: live, stageStartedAt: now },
        summary: `switched live to ${candidate}; ${live} stays ready for a ${bake}-minute bake`,
      };
    }
  }
}

export function rollbackPatch(e: Experiment, now: Date): Patch & { summary: string } {
  const base = { endedAt: now };
  switch (e.strategy) {
    case "canary":
    case "rolling":
    case "ab":
      return { ...base, status: "rolled_back", state: { ...e.state, exposure: e.strategy === "ab" ? e.state.exposure : 0, shipped: null }, summary: "rolled back: everyone gets control" };
    case "toggle":
      return { ...base, status: "rolled_back", state: { ...e.state, enabled: false, shipped: null }, summary: "rolled back: the toggle is off for everyone" };
    case "blue_green": {
      // during the bake: back to the side live before the switch; before it (verification
      // failed): the live side stays; after promotion: the plan's stable environment
      const stable =
        e.state.phase === "bake" && e.state.previousLive && e.status === "running"
          ? e.state.previousLive
          : e.status === "running" || e.status === "paused"
            ? (e.state.live ?? stableEnvironment(e))
            : stableEnvironment(e);
      // The SDK serves `control` for rolled_back; a stable environment that is not the control can
      // only be served to everyone as a shipped variant.
      const status = stable === e.control ? "rolled_back" : "promoted";
      return { ...base, status, state: { ...e.state, live: stable, shipped: stable }, summary: `rolled back: live is ${stable} again` };
    }
  }
}

export function switchPatch(e: Experiment, to: string | undefined): Patch & { summary: string } {
  if (e.strategy !== "blue_green") throw new AppError("bad_request", `Only a blue_green experiment has a live environment to switch ('${e.key}' is ${e.strategy})`);
  const current = e.state.live ?? e.control;
  const target = to ?? otherEnvironment(e, current);
  if (!e.variants.some((v) => v.key === target)) throw new AppError("bad_request", `'${target}' is not an environment of '${e.key}'`, { environments: e.variants.map((v) => v.key) });
  if (target === current) throw new AppError("conflict", `'${target}' is already live`, { live: current });
  const shipped = e.status === "promoted" || e.status === "completed" ? target : e.state.shipped;
  // a manual switch during the bake ends it: the sides are verified again from scratch
  const bake = e.state.phase === "bake" && e.status === "running" ? { phase: "verification" as const, switchedAt: null, previousLive: null, stageStartedAt: new Date().toISOString() } : {};
  return { state: { ...e.state, live: target, shipped, ...bake }, summary: `switched live from ${current} to ${target}` };
}

export function killPatch(e: Experiment, now: Date): Patch & { summary: string } {
  // A shipped experiment is served its shipped variant whatever `enabled` says (status comes first
  // in evaluation), so killing it also marks it rolled back.
  const shipped = e.status === "promoted" || e.status === "completed";
  return {
    ...(shipped ? { status: "rolled_back" as const, endedAt: now } : {}),
    state: { ...e.state, enabled: false, ...(shipped ? { shipped: null } : {}) },
    summary: "kill switch: off for everyone",
  };
}

/** The experiment as it would be after a patch (for the drill and for responses). */
export function applyPatch(e: Experiment, p: Patch): Experiment {
  return { ...e, status: p.status ?? e.status, state: p.state, endedAt: p.endedAt === undefined ? e.endedAt : (p.endedAt?.toISOString() ?? null) };
}
