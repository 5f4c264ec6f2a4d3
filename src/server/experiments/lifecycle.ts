// Status transitions a person or the API may request directly: draft → running ⇄ paused.
// promote / rollback / complete live in src/server/decisions (they carry decision evidence).
import type { Principal } from "@/server/auth/principal";
import { changeExperiment } from "./change";
import type { Experiment } from "./types";

export async function startExperiment({ actor, key, reason, at }: { actor: Principal; key: string; reason?: string; at?: Date }): Promise<Experiment> {
  const now = at ?? new Date();
  return changeExperiment({
    actor,
    key,
    at,
    action: "experiment.started",
    reason,
    from: ["draft"],
    mutate: (e) => ({ status: "running", startedAt: now, state: { ...e.state, stageStartedAt: now.toISOString() } }),
  });
}

export async function pauseExperiment({ actor, key, reason }: { actor: Principal; key: string; reason?: string }): Promise<Experiment> {
  return changeExperiment({ actor, key, action: "experiment.paused", reason, from: ["running"], mutate: () => ({ status: "paused" }) });
}

export async function resumeExperiment({ actor, key, reason }: { actor: Principal; key: string; reason?: string }): Promise<Experiment> {
  return changeExperiment({ actor, key, action: "experiment.resumed", reason, from: ["paused"], mutate: () => ({ status: "running" }) });
}
