/* eslint-disable @typescript-eslint/no-explicit-any -- summaries are compared field by field */
// Which users a rollup refresh recomputes is decided per experiment (src/server/evidence/README.md,
// "Rollup"): events of other experiments' users leave a rollup, its watermark and its stored
// summaries alone. The house rule for state-building paths: a test interleaves the writes, the
// refreshes and crashes at random and compares with the from-scratch computation (the per-request
// pass over the raw events).
import { beforeAll, describe, expect, it } from "vitest";
import { chCommand, chInsert, chQuery } from "@/db/clickhouse/client";
import { builtInMetrics, getMetricSummaries, PRE_PERIOD_MS, type MetricSummaries } from "@/server/evidence";
import { rollupSpecOf } from "@/server/evidence/components";
import { refreshBatchStats, refreshRollup, rollupSettled, rollupTuning } from "@/server/evidence/rollup";
import { LISTED_USERS_MAX, rollupRefreshManySql } from "@/server/evidence/rollup.sql";
import { mulberry32 } from "./helpers/analysis/random";
import { randomKpiEvent } from "./helpers/random-events";
import { setupStores } from "./helpers/app";
import { expectSameNumbers } from "./helpers/same-numbers";

const HOUR = 3_600_000;
const T0 = Date.now() - 2 * 24 * HOUR;
let seq = 0;
const ev = (type: string, user: string, at: number, extra: Record<string, unknown> = {}) => ({ id: `d-${++seq}`, type, user_id: user, timestamp: new Date(at).toISOString(), ...extra });
const variants = [
  { key: "control", weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];
// the custom metrics are the experiment's own (secondary): its rollup holds the components of its metrics
const OWN = { secondary: ["revenue"] };
const METRICS = [...builtInMetrics().map((m) => m.name), "revenue"];

const read = (key: string, source?: "rollup" | "events"): Promise<MetricSummaries> =>
  getMetricSummaries({
    experiment: { key, variants, metrics: OWN },
    metrics: METRICS,
    cohortFrom: T0 + HOUR,
    buckets: { origin: Math.floor(T0 / HOUR) * HOUR - HOUR, width: HOUR, count: 60 },
    seriesMetric: "engagement_rate",
    source,
  });

/** Rows stored an hour ago (inserted_at is server-set; only a test may write it): outside every refresh's overlap. */
async function insertStoredAnHourAgo(rows: any[]): Promise<void> {
  for (const r of rows) {
    await chCommand(
      `INSERT INTO events (id, type, user_id, experiment, variant, value, timestamp, inserted_at) SETTINGS insert_allow_materialized_columns = 1
       SELECT {id:String}, {type:String}, {user:String}, {experiment:String}, {variant:String}, {value:Float64}, parseDateTime64BestEffort({at:String}, 3, 'UTC'), now64(3) - INTERVAL 1 HOUR`,
      { id: r.id, type: r.type, user: r.user_id, experiment: r.experiment ?? "", variant: r.variant ?? "", value: r.value ?? 1, at: r.timestamp },
    );
  }
}

/** A state row written by an older version of the rollup: the next refresh or batch build rebuilds. */
const staleDefinition = (key: string) =>
  chCommand("INSERT INTO results_rollup_state (experiment, definition, watermark, version) SELECT {key:String}, 'older', now64(3), toUnixTimestamp64Milli(now64(3))", { key });

beforeAll(async () => {
  await setupStores();
});

describe("rollup dirty tracking per experiment", () => {
  it("an event of another experiment's user leaves a rollup and its stored summaries as they are; a shared user's refreshes both", async () => {
    const [a, b, c] = ["dirty-a", "dirty-b", "dirty-c"];
    const old: any[] = [];
    for (let u = 0; u < 6; u++) {
      old.push(ev("exposure", `da${u}`, T0, { experiment: a, variant: u % 2 ? "treatment" : "control" }), ev("request", `da${u}`, T0 + HOUR));
      old.push(ev("exposure", `db${u}`, T0, { experiment: b, variant: u % 2 ? "treatment" : "control" }), ev("request", `db${u}`, T0 + HOUR));
    }
    old.push(ev("exposure", "dc0", T0, { experiment: c, variant: "control" }), ev("engagement", "dc0", T0 + HOUR));
    old.push(ev("exposure", "shared", T0, { experiment: a, variant: "control" }), ev("exposure", "shared", T0, { experiment: b, variant: "treatment" }));
    await insertStoredAnHourAgo(old);
    expect((await refreshRollup(a, PRE_PERIOD_MS, rollupSpecOf({ key: a, metrics: OWN }))).kind).toBe("full");
    expect((await refreshRollup(b, PRE_PERIOD_MS, rollupSpecOf({ key: b, metrics: OWN }))).kind).toBe("full");
    const cWatermark = (await refreshRollup(c, PRE_PERIOD_MS, rollupSpecOf({ key: c, metrics: OWN }))).watermark;
    await read(b); // computes and stores b's per-variant rows at its watermark

    // a's users only: b finds nothing new (with the global "anything stored?" check it refreshed)
    // (a revenue event too: a centred mean's shift k must not move with other experiments' users' events)
    await chInsert("events", [ev("error", "da1", T0 + 2 * HOUR), ev("request", "da1", T0 + 2 * HOUR), ev("metric", "da1", T0 + 2 * HOUR, { name: "revenue", value: 900 })]);
    const bWatermark = (await refreshRollup(b, PRE_PERIOD_MS, rollupSpecOf({ key: b, metrics: OWN }))).watermark;
    expect(await refreshRollup(b, PRE_PERIOD_MS, rollupSpecOf({ key: b, metrics: OWN }))).toEqual({ kind: "none", watermark: bWatermark });
    const bAgain = await read(b);
    expect(bAgain.served).toEqual({ source: "stored", refresh: "none" });
    expectSameNumbers(bAgain, await read(b, "events"));
    expect((await refreshRollup(a, PRE_PERIOD_MS, rollupSpecOf({ key: a, metrics: OWN }))).kind).toBe("incremental");
    expectSameNumbers(await read(a), await read(a, "events"));

    // a user exposed to both: both rollups take the event
    await chInsert("events", [ev("engagement", "shared", T0 + 3 * HOUR)]);
    expect((await refreshRollup(b, PRE_PERIOD_MS, rollupSpecOf({ key: b, metrics: OWN }))).kind).toBe("incremental");
    expect((await refreshRollup(a, PRE_PERIOD_MS, rollupSpecOf({ key: a, metrics: OWN }))).kind).toBe("incremental");
    expectSameNumbers(await read(a), await read(a, "events"));
    expectSameNumbers(await read(b), await read(b, "events"));

    // an unexposed user's events touch nobody; a new exposure to b touches b only (c: nothing of its own all along)
    await chInsert("events", [ev("engagement", "nobody", T0 + 3 * HOUR), ev("exposure", "db-new", T0 + 3 * HOUR, { experiment: b, variant: "control" })]);
    expect(await refreshRollup(c, PRE_PERIOD_MS, rollupSpecOf({ key: c, metrics: OWN }))).toEqual({ kind: "none", watermark: cWatermark });
    expectSameNumbers(await read(c), await read(c, "events"));
    expect((await refreshRollup(b, PRE_PERIOD_MS, rollupSpecOf({ key: b, metrics: OWN }))).kind).toBe("incremental");
    const bNow = await read(b);
    expect(bNow.exposures.control + bNow.exposures.treatment).toBe(8);
    expectSameNumbers(bNow, await read(b, "events"));
  });

  it("a batch whose INSERT finds the touched users itself (too many to list) reads from the batch's earliest watermark", async () => {
    rollupTuning.listedUsersMax = 0;
    try {
      const [x, y] = ["dirty-unlisted-x", "dirty-unlisted-y"];
      const spec = (key: string) => rollupSpecOf({ key, metrics: OWN });
      await insertStoredAnHourAgo([ev("exposure", "ux", T0, { experiment: x, variant: "control" }), ev("exposure", "uy", T0, { experiment: y, variant: "treatment" })]);
      expect((await Promise.all([x, y].map((k) => refreshRollup(k, PRE_PERIOD_MS, spec(k))))).map((o) => o.kind)).toEqual(["full", "full"]);
      // x's user gets an event; then y alone is refreshed, which moves y's watermark past it
      await chInsert("events", [ev("engagement", "ux", T0 + HOUR)]);
      await chInsert("events", [ev("engagement", "uy", T0 + HOUR)]);
      expect((await refreshRollup(y, PRE_PERIOD_MS, spec(y))).kind).toBe("incremental");
      await chInsert("events", [ev("request", "uy", T0 + 2 * HOUR)]);
      await Promise.all([x, y].map((k) => rollupSettled(k))); // state writes done: the two start together
      const before = refreshBatchStats.batches;
      expect((await Promise.all([x, y].map((k) => refreshRollup(k, PRE_PERIOD_MS, spec(k))))).map((o) => o.kind)).toEqual(["incremental", "incremental"]);
      expect(refreshBatchStats.batches - before).toBe(1);
      for (const key of [x, y]) expectSameNumbers(await read(key), await read(key, "events"), key);
      expect((await read(x)).metrics.engagement_rate.control as any).toMatchObject({ proportion: { successes: 1 } });
    } finally {
      rollupTuning.listedUsersMax = LISTED_USERS_MAX;
    }
  });

  it("refreshes asked for together run as one batch over experiments sharing users, and match the raw-event pass at every round", async () => {
    const rand = mulberry32(7);
    const keys = [0, 1, 2, 3].map((i) => `dirty-batch-${i}`);
    const users = Array.from({ length: 40 }, (_, u) => `b-u${u}`);
    // each user is exposed to two or more of the four experiments: every batch INSERT joins a user's events to several of them
    const initial: any[] = [];
    for (const user of users)
      for (const key of keys) if (rand() < 0.6) initial.push(ev("exposure", user, T0 + Math.floor(rand() * 20 * HOUR), { experiment: key, variant: rand() < 0.5 ? "control" : "treatment" }));
    await chInsert("events", [...initial, ...users.flatMap((u) => [randomKpiEvent(rand, ev, u, T0), randomKpiEvent(rand, ev, u, T0)])]);
    const refreshAll = () => Promise.all(keys.map((key) => refreshRollup(key, PRE_PERIOD_MS, rollupSpecOf({ key, metrics: OWN }))));
    expect((await refreshAll()).map((o) => o.kind)).toEqual(["full", "full", "full", "full"]);
    let batchedIncremental = 0;
    for (let round = 0; round < 6; round++) {
      // KPI events of a few users (shared by several experiments), sometimes a late exposure
      const batch = Array.from({ length: 3 + Math.floor(rand() * 6) }, () => randomKpiEvent(rand, ev, users[Math.floor(rand() * users.length)], T0));
      if (rand() < 0.5) batch.push(ev("exposure", users[Math.floor(rand() * users.length)], T0 + Math.floor(rand() * 30 * HOUR), { experiment: keys[round % 4], variant: "treatment" }));
      await chInsert("events", batch);
      const before = refreshBatchStats.batches;
      const outcomes = await refreshAll();
      if (refreshBatchStats.batches - before === 1 && outcomes.filter((o) => o.kind === "incremental").length >= 2) batchedIncremental++;
      for (const key of keys) expectSameNumbers(await read(key), await read(key, "events"), `round ${round} ${key}`);
    }
    expect(batchedIncremental, "rounds whose incremental refreshes of several experiments ran as one batch").toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("random interleavings of inserts, retries, refreshes, reads, crashed refreshes and definition changes over experiments sharing users match the raw-event pass", async () => {
    let batched = 0;
    // seed 1 lists every refresh's touched users to its INSERT; seed 2 never does (the INSERT finds
    // them, for the batch at once, as it does beyond LISTED_USERS_MAX); seed 3 mixes both in a batch
    const listedUsersMax = { 1: LISTED_USERS_MAX, 2: 0, 3: 2 } as Record<number, number>;
    for (const seed of [1, 2, 3]) {
      rollupTuning.listedUsersMax = listedUsersMax[seed];
      const rand = mulberry32(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      const keys = [0, 1, 2].map((i) => `dirty-r${seed}-${i}`);
      const users = Array.from({ length: 30 }, (_, u) => `r${seed}-u${u}`);
      // every user starts exposed to one or two experiments (or none), some only later
      const initial: any[] = [];
      for (const user of users.slice(0, 24)) {
        for (const key of keys) if (rand() < 0.45) initial.push(ev("exposure", user, T0 + Math.floor(rand() * 20 * HOUR), { experiment: key, variant: rand() < 0.5 ? "control" : "treatment" }));
      }
      await chInsert("events", initial);
      const batches: any[][] = [initial];
      const kpi = (user: string) => randomKpiEvent(rand, ev, user, T0);
      for (let step = 0; step < 24; step++) {
        const r = rand();
        if (r < 0.4) {
          // a batch: KPI events of a few users (any experiment's, or nobody's), now and then an exposure (late, or to a second variant)
          const batch = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => kpi(pick(users)));
          if (rand() < 0.35) batch.push(ev("exposure", pick(users), T0 + Math.floor(rand() * 30 * HOUR), { experiment: pick(keys), variant: rand() < 0.5 ? "control" : "treatment" }));
          await chInsert("events", batch);
          batches.push(batch);
        } else if (r < 0.5) {
          await chInsert("events", pick(batches)); // a client's retry of an earlier batch
        } else if (r < 0.6) {
          // a refresh that died after writing the rollup rows, before its watermark: the next one must redo it
          const key = pick(keys);
          const [{ now }] = await chQuery<{ now: number }>("SELECT toUnixTimestamp64Milli(now64(3)) AS now");
          const [state] = await chQuery<{ watermark: number }>("SELECT toUnixTimestamp64Milli(max(watermark)) AS watermark FROM results_rollup_state FINAL WHERE experiment = {key:String}", { key });
          if (Number(state.watermark) > 0) {
            const spec = rollupSpecOf({ key, metrics: OWN });
            const q = rollupRefreshManySql(spec.components, spec.series, "touched");
            await chCommand(q.sql, { ...q.params, experiments: [key], version: Number(now), prePeriodMs: PRE_PERIOD_MS, since: Number(state.watermark) - 5_000 });
          }
        } else if (r < 0.66) {
          // a deploy that changed the rollup's definition: the next refresh rebuilds it from scratch
          await staleDefinition(pick(keys));
        } else if (r < 0.7) {
          await refreshRollup(pick(keys), PRE_PERIOD_MS);
        } else if (r < 0.78) {
          // refreshes asked for together run as one batch (one state read, one INSERT for all)
          const before = refreshBatchStats.batches;
          await Promise.all(keys.map((key) => refreshRollup(key, PRE_PERIOD_MS, rollupSpecOf({ key, metrics: OWN }))));
          batched = Math.max(batched, refreshBatchStats.batches - before === 1 ? keys.length : 0);
        } else {
          const key = pick(keys);
          expectSameNumbers(await read(key), await read(key, "events"), `seed ${seed} step ${step} ${key}`);
        }
      }
      for (const key of keys) expectSameNumbers(await read(key), await read(key, "events"), `seed ${seed} end ${key}`);
    }
    rollupTuning.listedUsersMax = LISTED_USERS_MAX;
    expect(batched, "some refreshes of all three ran as one batch").toBe(3);
  }, 120_000);
});
