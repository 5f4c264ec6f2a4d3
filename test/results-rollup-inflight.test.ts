/* eslint-disable @typescript-eslint/no-explicit-any -- summaries are compared field by field */
// The rollup's overlap over embedded chDB reaches back only to the oldest write of `events` in flight
// when its watermark was taken (eventWriteHorizon; src/server/evidence/README.md, "Rollup"), not a
// fixed 5 s. The house rule for state-building paths: writes, refreshes of several experiments at
// once and reads interleave at random (none of the writes or refreshes awaited before the next
// step), and slow inserts stamp their rows when they start and make them visible many refreshes
// later, long after the watermark has passed their stamp. Every read is compared on every number
// with the from-scratch per-request pass over the raw events.
import { beforeAll, describe, expect, it } from "vitest";
import { chCommand, chInsert, trackedWrite } from "@/db/clickhouse/client";
import { builtInMetrics, getMetricSummaries, PRE_PERIOD_MS, type MetricSummaries } from "@/server/evidence";
import { refreshRollup } from "@/server/evidence/rollup";
import { mulberry32 } from "./helpers/analysis/random";
import { randomKpiEvent } from "./helpers/random-events";
import { setupStores } from "./helpers/app";
import { expectSameNumbers } from "./helpers/same-numbers";

const HOUR = 3_600_000;
const T0 = Date.now() - 2 * 24 * HOUR;
let seq = 0;
const ev = (type: string, user: string, at: number, extra: Record<string, unknown> = {}) => ({ id: `f-${++seq}`, type, user_id: user, timestamp: new Date(at).toISOString(), ...extra });
const variants = [
  { key: "control", weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];
const METRICS = [...builtInMetrics().map((m) => m.name), "revenue"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const read = (key: string, source?: "rollup" | "events"): Promise<MetricSummaries> =>
  getMetricSummaries({ experiment: { key, variants }, metrics: METRICS, cohortFrom: T0 + HOUR, buckets: { origin: T0 - HOUR, width: HOUR, count: 60 }, seriesMetric: "engagement_rate", source });

/**
 * A slow insert: in flight from now, its rows stamped now (as now64(3) stamps them while an insert
 * runs), visible only once `release` is called, however many refreshes ran in between.
 */
function heldInsert(rows: any[]): { release: () => void; done: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const done = trackedWrite(true, async () => {
    const stamp = Date.now();
    await gate;
    for (const r of rows) {
      await chCommand(
        `INSERT INTO events (id, type, name, user_id, experiment, variant, value, timestamp, inserted_at) SETTINGS insert_allow_materialized_columns = 1
         SELECT {id:String}, {type:String}, {name:String}, {user:String}, {experiment:String}, {variant:String}, {value:Float64},
                parseDateTime64BestEffort({at:String}, 3, 'UTC'), fromUnixTimestamp64Milli({stamp:Int64}, 'UTC')`,
        { id: r.id, type: r.type, name: r.name ?? "", user: r.user_id, experiment: r.experiment ?? "", variant: r.variant ?? "", value: r.value ?? 1, at: r.timestamp, stamp },
      );
    }
  });
  return { release, done };
}

beforeAll(async () => {
  await setupStores();
});

describe("rollup refresh against writes in flight", () => {
  it("random interleavings of unawaited inserts, slow inserts stamped before many refreshes, concurrent refreshes of several experiments and reads match the raw-event pass", async () => {
    let heldThrough = 0;
    for (const seed of [11, 12, 13]) {
      const rand = mulberry32(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      const keys = [0, 1, 2, 3].map((i) => `inflight-${seed}-${i}`);
      const users = Array.from({ length: 24 }, (_, u) => `f${seed}-u${u}`);
      const initial: any[] = [];
      for (const user of users.slice(0, 18)) {
        for (const key of keys) if (rand() < 0.4) initial.push(ev("exposure", user, T0 + Math.floor(rand() * 20 * HOUR), { experiment: key, variant: rand() < 0.5 ? "control" : "treatment" }));
      }
      await chInsert("events", initial);
      for (const key of keys) await refreshRollup(key, PRE_PERIOD_MS);
      const kpi = (user: string) => randomKpiEvent(rand, ev, user, T0);
      const batch = () => {
        const rows = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => kpi(pick(users)));
        if (rand() < 0.3) rows.push(ev("exposure", pick(users), T0 + Math.floor(rand() * 30 * HOUR), { experiment: pick(keys), variant: rand() < 0.5 ? "control" : "treatment" }));
        return rows;
      };
      let pending: Promise<unknown>[] = [];
      let held: { release: () => void; done: Promise<void>; since: number }[] = [];
      for (let step = 0; step < 40; step++) {
        const r = rand();
        if (r < 0.3) {
          pending.push(chInsert("events", batch())); // not awaited: in flight during what follows
        } else if (r < 0.42) {
          held.push({ ...heldInsert(batch()), since: step });
        } else if (r < 0.52 && held.length > 0) {
          const h = held.splice(Math.floor(rand() * held.length), 1)[0];
          heldThrough = Math.max(heldThrough, step - h.since);
          h.release();
          pending.push(h.done);
        } else if (r < 0.75) {
          // refreshes of several experiments at once, racing the inserts above
          for (const key of keys) if (rand() < 0.6) pending.push(refreshRollup(key, PRE_PERIOD_MS));
          await sleep(Math.floor(rand() * 30));
        } else {
          // a read sees what both passes see: the unawaited writes done, the held ones not yet written
          await Promise.all(pending);
          pending = [];
          const key = pick(keys);
          expectSameNumbers(await read(key), await read(key, "events"), `seed ${seed} step ${step} ${key}`);
        }
      }
      for (const h of held) h.release();
      await Promise.all([...pending, ...held.map((h) => h.done)]);
      held = [];
      for (const key of keys) expectSameNumbers(await read(key), await read(key, "events"), `seed ${seed} end ${key}`);
    }
    expect(heldThrough).toBeGreaterThan(3); // some slow insert outlived several refreshes
  }, 180_000);
});
