// The demo's past, replayed hour by hour from `hours` ago to now. Each hour: that hour's simulated
// users (new ones plus regulars who come back every few hours, so a blue-green bake can pair the
// same users before and after its switch) go through the public API with timestamps inside the
// hour, the ingestion pipeline is flushed, and the running demo experiments are evaluated with the
// end of the hour as the engine's clock. Decisions, automatic actions, stage starts and audit
// entries are therefore dated in the past, and the results' charts have days of hourly buckets.
// The one human step of the story is the seed's operator advancing the tracking canary from 5 % to
// 20 % on the engine's PROMOTE. Deterministic: fixed simulator seeds per hour.
import { SYSTEM } from "@/server/auth/principal";
import { evaluateExperiment } from "@/server/decisions/evaluate";
import { promoteExperiment } from "@/server/decisions/promote";
import { createExperiment } from "@/server/experiments/create";
import { findExperiment, getExperiment } from "@/server/experiments/get";
import { startExperiment } from "@/server/experiments/lifecycle";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { runSimulation, type Transport } from "@/simulator";
import type { Random } from "@/simulator/random";
import { DEMO_BLUE_GREEN, DEMO_CANARY, DEMO_EFFECTS, DEMO_EXPERIMENTS, DEMO_ROLLING, DEMO_SLOW_CANARY } from "./experiments";

const HOUR = 3_600_000;
const OPERATOR = { ...SYSTEM, name: "demo seed (release manager)" };
const SEED_ACTOR = { ...SYSTEM, name: "demo seed" };
/** lighter than the default profile: dozens of hours of it in about a minute */
const PROFILE = { sessionsPerUser: 1.5, pageViewsPerSession: 2, requestsPerPageView: 2.5, errorRate: 0.02, feedbackProbability: 0.3 };
const INSTANCE_PROFILE = { pageViewsPerSession: 15 };
const FLEET = 40;
/** regulars: a pool seen REGULAR_CYCLE hours apart, a third of it each hour */
const REGULARS_PER_HOUR = 60;
const REGULAR_CYCLE = 3;
/** user-level experiments are evaluated every this many hours (the rolling deploy every hour) */
const EVALUATE_EVERY = 2;

/** Hours (counted from the start of the replay) at which experiments start; the rest at hour 0. */
function startHour(key: string, hours: number): number {
  if (key === DEMO_SLOW_CANARY) return Math.floor(hours / 3);
  if (key === DEMO_BLUE_GREEN) return Math.floor(hours / 2);
  if (key === DEMO_ROLLING) return hours - 12;
  return 0;
}

export interface HistoryReport {
  hours: number;
  users: number;
  events: number;
}

function attributes(_i: number, rng: Random) {
  const r = rng.next();
  return { role: r < 0.03 ? "admin" : r < 0.15 ? "beta" : "customer", platform: rng.next() < 0.55 ? "ios" : "android" };
}

export async function replayHistory({ transport, hours, newUsers, now }: { transport: Transport; hours: number; newUsers: number; now: number }): Promise<HistoryReport> {
  const userKeys = DEMO_EXPERIMENTS.map((e) => e.key).filter((k) => k !== DEMO_ROLLING);
  const t0 = Math.floor(now / HOUR) * HOUR - hours * HOUR;
  const perHour = Math.max(1, Math.round(newUsers / hours));
  const report: HistoryReport = { hours, users: 0, events: 0 };
  const running = new Set<string>();
  for (let h = 0; h < hours; h++) {
    const from = t0 + h * HOUR;
    for (const e of DEMO_EXPERIMENTS) {
      if (startHour(e.key, hours) !== h) continue;
      if (!(await findExperiment(e.key))) await createExperiment({ actor: SEED_ACTOR, input: e, at: new Date(from - 10 * 60_000) });
      await startExperiment({ actor: SEED_ACTOR, key: e.key, reason: "demo seed", at: new Date(from) });
      running.add(e.key);
    }
    const common = {
      transport,
      experiment: DEMO_CANARY,
      effects: DEMO_EFFECTS[DEMO_CANARY],
      otherEffects: DEMO_EFFECTS,
      experiments: userKeys,
      profile: PROFILE,
      attributes,
      onlyExposed: true,
    } as const;
    const fresh = await runSimulation({ ...common, users: perHour, batchSize: perHour, firstUser: h * perHour, userPrefix: "demo-user-", seed: 2026 + h, clock: () => from + 20 * 60_000 });
    const regulars = await runSimulation({
      ...common,
      users: REGULARS_PER_HOUR,
      batchSize: REGULARS_PER_HOUR,
      firstUser: (h % REGULAR_CYCLE) * REGULARS_PER_HOUR,
      userPrefix: "demo-regular-",
      seed: 7000 + h,
      clock: () => from + 40 * 60_000,
    });
    report.users += fresh.users + regulars.users;
    report.events += fresh.eventsSent + regulars.eventsSent;
    if (running.has(DEMO_ROLLING)) {
      const fleet = await runSimulation({
        transport,
        experiment: DEMO_ROLLING,
        unit: "instance",
        users: FLEET,
        batchSize: FLEET,
        userPrefix: "api-",
        effects: DEMO_EFFECTS[DEMO_ROLLING],
        experiments: [DEMO_ROLLING],
        profile: INSTANCE_PROFILE,
        seed: 500 + h,
        clock: () => from + 30 * 60_000,
      });
      report.events += fleet.eventsSent;
    }
    await flushIngestion();
    const at = new Date(Math.min(from + HOUR - 1, now));
    for (const key of [...running]) {
      if (key !== DEMO_ROLLING && h % EVALUATE_EVERY !== EVALUATE_EVERY - 1 && h !== hours - 1) continue;
      const decision = await evaluateExperiment({ key, actor: SYSTEM, trigger: "timer", at });
      const e = await getExperiment({ key });
      if (e.status !== "running") {
        running.delete(key);
        continue;
      }
      if (key === DEMO_CANARY && e.state.stageIndex === 0 && decision.recommendation === "promote") {
        await promoteExperiment({ actor: OPERATOR, key, decisionId: decision.id, reason: "healthy at 5 %: every guardrail within its margin", at: new Date(at.getTime() + 1) });
      }
    }
  }
  return report;
}
