// The driver: users arrive in batches; each batch is assigned through POST /api/v1/assign, every
// user then produces the traffic of the variant they were served (with that variant's effects), and
// the events go to POST /api/v1/events in chunks of ≤ 1,000. A callback after each batch lets a test
// (or the demo) evaluate the experiment between batches, as the evaluator would in production.
import { randomUUID } from "node:crypto";
import type { Assignment, Unit } from "@/sdk/types";
import { combineEffects, type EffectsByVariant, type VariantEffects } from "./effects";
import { INSTANCE_PROFILE, unitTraffic, USER_PROFILE, type TrafficProfile } from "./model";
import { createRandom, type Random } from "./random";
import type { AssignResult, Transport } from "./transport";

export interface SimulationOptions {
  transport: Transport;
  /** the experiment whose variants carry `effects` (others are served and logged as usual) */
  experiment: string;
  /** units to simulate in this run */
  users: number;
  effects?: EffectsByVariant;
  /** effects of variants of other experiments the same users are in (the demo plants a few at once) */
  otherEffects?: Record<string, EffectsByVariant>;
  /**
   * Only these experiments get the simulated users (the demo seed lists its own): the others'
   * assignments are ignored and their exposures never logged, so an experiment someone starts
   * while a simulation runs collects none of its traffic. Default: every running experiment.
   */
  experiments?: string[];
  profile?: Partial<TrafficProfile>;
  seed?: number;
  /** users are `${userPrefix}${index}`; default "sim-<random>-" so runs never share users */
  userPrefix?: string;
  /** first index (continue a population across calls) */
  firstUser?: number;
  /** "instance": units are server instances (rolling deploys), identified by instanceId */
  unit?: "user" | "instance";
  /** attributes per unit (targeting: roles, internal verification traffic, ...) */
  attributes?: (index: number, rng: Random) => Unit["attributes"];
  /** users per batch (assigned in calls of ≤ 1,000; onBatch runs after each batch) */
  batchSize?: number;
  /** skip the traffic of users exposed in no experiment (it counts nowhere; saves time in tests) */
  onlyExposed?: boolean;
  /** concurrent POST /api/v1/events calls */
  concurrency?: number;
  /**
   * The time of a batch's events (ms since the epoch), asked once per batch; default now. The demo
   * seed replays past hours: exposures and traffic get that hour's times.
   */
  clock?: () => number;
  /** after each batch is sent; return "stop" to end the run early */
  onBatch?: (progress: SimulationReport) => Promise<void | "stop"> | void | "stop";
}

export interface SimulationReport {
  users: number;
  batches: number;
  /** exposed users of the target experiment per variant, as logged */
  exposed: Record<string, number>;
  /** served (exposed or not) per variant of the target experiment */
  served: Record<string, number>;
  /** exposures left unlogged (dropExposures) */
  droppedExposures: number;
  eventsSent: number;
  eventsRejected: number;
  stoppedEarly: boolean;
}

const MAX_EVENTS_PER_CALL = 1000;
const MAX_UNITS_PER_ASSIGN = 1000;

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export async function runSimulation(opts: SimulationOptions): Promise<SimulationReport> {
  const rng = createRandom(opts.seed ?? 1);
  const prefix = opts.userPrefix ?? `sim-${randomUUID().slice(0, 8)}-`;
  const first = opts.firstUser ?? 0;
  const isInstance = opts.unit === "instance";
  const profile = { ...(isInstance ? INSTANCE_PROFILE : USER_PROFILE), ...opts.profile };
  const effects = opts.effects ?? {};
  // Dropping exposures, or keeping to some experiments, means logging them ourselves (assign with
  // log: false) and leaving some out.
  const only = opts.experiments ? new Set([opts.experiment, ...opts.experiments]) : null;
  const logOurselves = only !== null || Object.values(effects).some((e) => (e.dropExposures ?? 0) > 0);
  const batchSize = Math.max(1, opts.batchSize ?? 500);
  const report: SimulationReport = { users: 0, batches: 0, exposed: {}, served: {}, droppedExposures: 0, eventsSent: 0, eventsRejected: 0, stoppedEarly: false };

  for (let start = 0; start < opts.users; start += batchSize) {
    const n = Math.min(batchSize, opts.users - start);
    const indexes = Array.from({ length: n }, (_, i) => first + start + i);
    const units: Unit[] = indexes.map((i) => {
      const id = `${prefix}${i}`;
      const attributes = opts.attributes?.(i, rng.fork(`attr:${i}`));
      return { ...(isInstance ? { instanceId: id } : { userId: id }), ...(attributes ? { attributes } : {}) };
    });
    const results: AssignResult[] = [];
    for (const part of chunk(units, MAX_UNITS_PER_ASSIGN)) results.push(...(await opts.transport.assign(part, !logOurselves)));
    // Explicit times at or after the exposure /assign just logged: chunks sent concurrently may
    // arrive in any order, and an event counts only from its user's first exposure on.
    const timestamp = opts.clock?.() ?? Date.now();
    const events: object[] = [];
    units.forEach((unit, k) => {
      const id = (unit.userId ?? unit.instanceId)!;
      const assignments: Assignment[] = only ? results[k].assignments.filter((a) => only.has(a.experiment)) : results[k].assignments;
      const target = assignments.find((a) => a.experiment === opts.experiment);
      const variant = target?.variant;
      const userRng = rng.fork(`${prefix}${indexes[k]}`);
      if (variant) report.served[variant] = (report.served[variant] ?? 0) + 1;
      let logged = false;
      for (const a of assignments) {
        if (!a.exposed) continue;
        const drop = a.experiment === opts.experiment ? (effects[a.variant]?.dropExposures ?? 0) : 0;
        if (drop > 0 && userRng.bernoulli(drop)) {
          report.droppedExposures++;
          continue;
        }
        if (a.experiment === opts.experiment) report.exposed[a.variant] = (report.exposed[a.variant] ?? 0) + 1;
        if (logOurselves) events.push({ id: randomUUID(), type: "exposure", [isInstance ? "instanceId" : "userId"]: id, experiment: a.experiment, variant: a.variant, timestamp });
        logged = true;
      }
      if (opts.onlyExposed && !logged) return;
      const planted: VariantEffects[] = [];
      for (const a of assignments) {
        const byVariant = a.experiment === opts.experiment ? effects : opts.otherEffects?.[a.experiment];
        if (byVariant?.[a.variant]) planted.push(byVariant[a.variant]);
      }
      for (const e of unitTraffic(userRng, profile, combineEffects(planted))) {
        events.push({ id: randomUUID(), [isInstance ? "instanceId" : "userId"]: id, timestamp, ...e });
      }
    });
    await pool(chunk(events, MAX_EVENTS_PER_CALL), opts.concurrency ?? 2, async (part) => {
      const r = await opts.transport.send(part);
      report.eventsSent += r.accepted;
      report.eventsRejected += r.rejected;
    });
    report.users += n;
    report.batches++;
    if ((await opts.onBatch?.(report)) === "stop") {
      report.stoppedEarly = report.users < opts.users;
      break;
    }
  }
  return report;
}
