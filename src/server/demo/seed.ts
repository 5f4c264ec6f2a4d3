// The demo seed: on a fresh install (VERDICT_SEED_DEMO, no `realtime-tracking` yet) the server
// creates the demo experiments, starts them, and sends simulated users through the public API
// in-process, so the dashboard shows data within seconds of `npm start`. Runs in the background
// after boot and never takes the server down: any failure is one log line.
import { SYSTEM } from "@/server/auth/principal";
import { env } from "@/core/env";
import { createExperiment } from "@/server/experiments/create";
import { findExperiment } from "@/server/experiments/get";
import { startExperiment } from "@/server/experiments/lifecycle";
import { createApiKey } from "@/server/keys/create";
import { revokeApiKey } from "@/server/keys/revoke";
import { runSimulation } from "@/simulator";
import { inProcessTransport } from "@/simulator/in-process";
import { DEMO_CANARY, DEMO_EFFECTS, DEMO_EXPERIMENTS } from "./experiments";

const ACTOR = { ...SYSTEM, name: "demo seed" };
/** lighter than the default profile: the seed goes through the per-key rate limit like any client */
const DEMO_PROFILE = { sessionsPerUser: 2, pageViewsPerSession: 2, requestsPerPageView: 1.5 };
const ROLES = ["staff", "beta", "customer"] as const;

export interface DemoSeedResult {
  seeded: boolean;
  users: number;
  events: number;
}

export async function seedDemo({ users = env().VERDICT_SEED_DEMO_USERS }: { users?: number } = {}): Promise<DemoSeedResult> {
  if (await findExperiment(DEMO_CANARY)) return { seeded: false, users: 0, events: 0 };
  for (const input of DEMO_EXPERIMENTS) {
    if (await findExperiment(input.key)) continue;
    await createExperiment({ actor: ACTOR, input });
    await startExperiment({ actor: ACTOR, key: input.key, reason: "demo seed" });
  }
  // A key of its own, revoked afterwards: the traffic is a client's like any other.
  const key = await createApiKey({ actor: ACTOR, input: { name: "demo traffic simulator", kind: "client" } });
  try {
    const report = await runSimulation({
      transport: inProcessTransport({ clientKey: key.token }),
      experiment: DEMO_CANARY,
      users,
      effects: DEMO_EFFECTS[DEMO_CANARY],
      otherEffects: DEMO_EFFECTS,
      // demo traffic feeds demo experiments only, whatever a user starts meanwhile
      experiments: DEMO_EXPERIMENTS.map((e) => e.key),
      profile: DEMO_PROFILE,
      seed: 2026,
      userPrefix: "demo-user-",
      batchSize: 250,
      attributes: (_i, rng) => {
        const r = rng.next();
        return { role: r < 0.03 ? ROLES[0] : r < 0.15 ? ROLES[1] : ROLES[2], platform: rng.next() < 0.55 ? "ios" : "android" };
      },
    });
    return { seeded: true, users: report.users, events: report.eventsSent };
  } finally {
    await revokeApiKey({ actor: ACTOR, id: key.id });
  }
}

/** Server start: seed in the background; log one line either way, never throw. */
export function startDemoSeed(): void {
  if (!env().VERDICT_SEED_DEMO) return;
  const started = Date.now();
  seedDemo().then(
    (r) => {
      if (r.seeded) console.log(`[verdict] demo seed: ${r.users} simulated users, ${r.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s (experiment '${DEMO_CANARY}')`);
    },
    (e) => console.error(`[verdict] demo seed failed (the server runs on): ${(e as Error).message}`),
  );
}
