// The demo seed: on a fresh install (VERDICT_SEED_DEMO, no `realtime-tracking` yet) the server
// creates the demo experiments and replays the past days hour by hour (./history.ts): each hour's
// simulated users go through the public API in-process with that hour's timestamps, then the
// decision engine evaluates with that hour as its clock, so stages, decisions, rollbacks and the
// audit trail carry past times and the charts have days of hourly buckets. Runs in the background
// after boot and never takes the server down: any failure is one log line.
import { SYSTEM } from "@/server/auth/principal";
import { env } from "@/core/env";
import { processSingleton } from "@/core/process-singleton";
import { holdEvaluations } from "@/server/decisions/hold";
import { findExperiment } from "@/server/experiments/get";
import { createApiKey } from "@/server/keys/create";
import { revokeApiKey } from "@/server/keys/revoke";
import { createWebhook } from "@/server/webhooks/create";
import { listWebhooks } from "@/server/webhooks/list";
import { CreateWebhookSchema } from "@/server/webhooks/schemas";
import { inProcessTransport } from "@/simulator/in-process";
import { DEMO_CANARY, DEMO_EXPERIMENTS } from "./experiments";
import { replayHistory, type HistoryReport } from "./history";

const ACTOR = { ...SYSTEM, name: "demo seed" };
/** The past the demo replays. */
export const DEMO_HOURS = 48;
/**
 * The demo's chat channel: `.invalid` never resolves (RFC 2606), so its deliveries fail and retry
 * visibly, and no request leaves the machine. A loopback receiver would need
 * VERDICT_WEBHOOK_ALLOWED_HOSTS opened up, which a fresh install must not do for a demo.
 */
export const DEMO_WEBHOOK_URL = "https://releases-channel.example.invalid/verdict";

export interface DemoSeedResult extends HistoryReport {
  seeded: boolean;
}

const NOT_SEEDED: DemoSeedResult = { seeded: false, hours: 0, users: 0, events: 0 };

export async function seedDemo({ hours = DEMO_HOURS, newUsers = env().VERDICT_SEED_DEMO_USERS, now = Date.now() }: { hours?: number; newUsers?: number; now?: number } = {}): Promise<DemoSeedResult> {
  if (await findExperiment(DEMO_CANARY)) return NOT_SEEDED;
  const release = holdEvaluations(DEMO_EXPERIMENTS.map((e) => e.key));
  // A key of its own, revoked afterwards: the traffic is a client's like any other.
  const key = await createApiKey({ actor: ACTOR, input: { name: "demo traffic simulator", kind: "client" } });
  try {
    if (!(await listWebhooks()).some((w) => w.url === DEMO_WEBHOOK_URL)) {
      await createWebhook({ actor: ACTOR, input: CreateWebhookSchema.parse({ url: DEMO_WEBHOOK_URL }) });
    }
    const report = await replayHistory({ transport: inProcessTransport({ clientKey: key.token }), hours, newUsers, now });
    return { seeded: true, ...report };
  } finally {
    release();
    await revokeApiKey({ actor: ACTOR, id: key.id });
  }
}

const progress = processSingleton("demoSeed", () => ({ running: false }));

/** Whether the background seed is still replaying (the startup's `ready` line says so). */
export function demoSeedRunning(): boolean {
  return progress.running;
}

/**
 * Server start: resolves once it is known whether to seed (one look-up), then seeds in the
 * background; logs one line either way, never throws.
 */
export async function startDemoSeed(): Promise<void> {
  if (!env().VERDICT_SEED_DEMO) return;
  try {
    if (await findExperiment(DEMO_CANARY)) return;
  } catch {
    // seedDemo looks again and logs the failure
  }
  const started = Date.now();
  progress.running = true;
  void seedDemo()
    .then(
      (r) => {
        const took = ((Date.now() - started) / 1000).toFixed(1);
        if (r.seeded) console.log(`[verdict] demo seed done: ${r.hours} h of history, ${r.users} simulated users, ${r.events} events in ${took} s (start with '${DEMO_CANARY}')`);
      },
      (e) => console.error(`[verdict] demo seed failed (the server runs on): ${(e as Error).message}`),
    )
    .finally(() => (progress.running = false));
}
