/* eslint-disable @typescript-eslint/no-explicit-any -- summaries are compared field by field */
// The incremental per-user rollup on real chDB: it must give exactly what the per-request pass over
// the raw events gives, also after late-arriving exposures, client retries after the rollup ran
// (before any merge), new events of known users and newly exposed users.
import { beforeAll, describe, expect, it } from "vitest";
import { chCommand, chInsert, chQuery } from "@/db/clickhouse/client";
import { builtInMetrics, getMetricSummaries, PRE_PERIOD_MS, type MetricSummaries } from "@/server/evidence";
// internals of the engine under test
import { rollupSpecOf } from "@/server/evidence/components";
import { refreshRollup, rollupSettled } from "@/server/evidence/rollup";
import { ROLLUP_PARTS_SQL } from "@/server/evidence/rollup.sql";
import { mulberry32 } from "./helpers/analysis/random";
import { setupStores } from "./helpers/app";
import { expectSameNumbers } from "./helpers/same-numbers";

const HOUR = 3_600_000;
const T0 = Date.now() - 2 * 24 * HOUR;
let seq = 0;
const ev = (type: string, user: string, at: number, extra: Record<string, unknown> = {}) => ({ id: `r-${++seq}`, type, user_id: user, timestamp: new Date(at).toISOString(), ...extra });
const variants = [
  { key: "control", weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];
// the custom metrics are the experiment's own (secondary): its rollup holds the components of its metrics
const OWN = { secondary: ["orders_placed", "revenue"] };
const METRICS = [...builtInMetrics().map((m) => m.name), "orders_placed", "revenue"];

async function summaries(key: string, source: "rollup" | "events"): Promise<MetricSummaries> {
  return getMetricSummaries({
    experiment: { key, variants, metrics: OWN },
    metrics: METRICS,
    cohortFrom: T0 + HOUR,
    buckets: { origin: Math.floor(T0 / HOUR) * HOUR - HOUR, width: HOUR, count: 60 },
    seriesMetric: "engagement_rate",
    source,
  });
}

async function agree(key: string): Promise<MetricSummaries> {
  const fromRollup = await summaries(key, "rollup");
  expectSameNumbers(fromRollup, await summaries(key, "events"));
  return fromRollup;
}

/** 400 users, 8 events each of every family (some before the exposure), 8 of them exposed twice. */
function mixedRows(key: string, seed: number): any[] {
  const rand = mulberry32(seed);
  const rows: any[] = [];
  for (let u = 0; u < 400; u++) {
    const user = `${key}-${u}`;
    const at = T0 + Math.floor(rand() * 40 * HOUR);
    const after = () => at + Math.floor(rand() * 6 * HOUR) - HOUR; // some before the exposure
    rows.push(ev("exposure", user, at, { experiment: key, variant: u % 2 ? "treatment" : "control" }));
    if (u % 50 === 3) rows.push(ev("exposure", user, at + HOUR, { experiment: key, variant: u % 2 ? "control" : "treatment" }));
    if (rand() < 0.6) rows.push(ev("engagement", user, at - 3 * 24 * HOUR));
    for (let k = 0; k < 8; k++) {
      const r = rand();
      if (r < 0.3) rows.push(ev("page_load", user, after(), { value: 100 + rand() * 2000 }));
      else if (r < 0.5) rows.push(ev("request", user, after()));
      else if (r < 0.6) rows.push(ev("error", user, after()));
      else if (r < 0.75) rows.push(ev("engagement", user, after()));
      else if (r < 0.85) rows.push(ev("feedback", user, after(), { value: 1 + Math.floor(rand() * 5) }));
      else rows.push(ev("metric", user, after(), { name: rand() < 0.5 ? "orders_placed" : "revenue", value: Math.floor(rand() * 40) / 4 }));
    }
  }
  return rows;
}

beforeAll(async () => {
  await setupStores();
});

describe("results rollup", () => {
  it("matches the per-request pass on mixed data (duplicates, pre-period, multiple exposures, custom metrics)", async () => {
    const rows = mixedRows("rollup-mixed", 5);
    await chInsert("events", rows);
    await chInsert(
      "events",
      rows.filter((_, i) => i % 7 === 0),
    ); // client retries
    const s = await agree("rollup-mixed");
    expect(s.multipleExposures).toBe(8);
    expect(s.exposures.control + s.exposures.treatment).toBe(392);
    expect((s.metrics.page_load_p95.treatment as any).quantile).not.toBeNull();
  });

  it("re-attributes on a late exposure, counts a retry after the rollup ran once, and picks up new users and events", async () => {
    const key = "rollup-late";
    await chCommand("SYSTEM STOP MERGES events");
    try {
      const batch = [
        ev("exposure", "l1", T0 + 2 * HOUR, { experiment: key, variant: "control" }),
        ev("engagement", "l1", T0 + HOUR), // before the exposure known so far: CUPED covariate
        ev("engagement", "l1", T0 + 3 * HOUR),
        ev("exposure", "l2", T0 + 2 * HOUR, { experiment: key, variant: "treatment" }),
        ev("engagement", "l2", T0 + 3 * HOUR),
        ev("metric", "l2", T0 + 3 * HOUR, { name: "revenue", value: 5 }),
      ];
      await chInsert("events", batch);
      let s = await agree(key);
      expect((s.metrics.engagement_per_user.control as any).mean).toEqual({ n: 1, sum: 1, sumSquares: 1 });
      expect((s.metrics.engagement_per_user.control as any).cuped.covariateSum).toBe(1);

      // the client retries the whole batch after the rollup ran: still counted once
      await chInsert("events", batch);
      s = await agree(key);
      expect((s.metrics.engagement_per_user.control as any).mean).toEqual({ n: 1, sum: 1, sumSquares: 1 });
      expect((s.metrics.engagement_per_user.treatment as any).mean).toEqual({ n: 1, sum: 1, sumSquares: 1 });
      // custom sums are centred by a per-metric constant (issue 14): the user's value is shift + sum
      const revenue = (s.metrics.revenue.treatment as any).mean;
      expect(revenue.n).toBe(1);
      expect(revenue.shift + revenue.sum).toBeCloseTo(5, 12);
      expect(revenue.sumSquares).toBeCloseTo(revenue.sum * revenue.sum, 12);

      // late-arriving earlier exposure of l1 (same variant): both engagements now count, no covariate
      await chInsert("events", [ev("exposure", "l1", T0, { experiment: key, variant: "control" })]);
      s = await agree(key);
      expect((s.metrics.engagement_per_user.control as any).mean).toEqual({ n: 1, sum: 2, sumSquares: 4 });
      expect((s.metrics.engagement_per_user.control as any).cuped.covariateSum).toBe(0);

      // late-arriving exposure of l2 to the other variant: excluded as a multiple exposure
      await chInsert("events", [ev("exposure", "l2", T0, { experiment: key, variant: "control" })]);
      s = await agree(key);
      expect(s.multipleExposures).toBe(1);
      expect(s.exposures).toEqual({ control: 1, treatment: 0 });

      // a new exposed user without events, and a later event of a known user
      await chInsert("events", [ev("exposure", "l3", T0 + 4 * HOUR, { experiment: key, variant: "treatment" }), ev("engagement", "l1", T0 + 5 * HOUR)]);
      s = await agree(key);
      expect(s.exposures).toEqual({ control: 1, treatment: 1 });
      expect((s.metrics.engagement_per_user.control as any).mean).toEqual({ n: 1, sum: 3, sumSquares: 9 });
      expect((s.metrics.engagement_per_user.treatment as any).mean).toEqual({ n: 1, sum: 0, sumSquares: 0 });
    } finally {
      await chCommand("SYSTEM START MERGES events");
    }
  });

  it("refreshes incrementally: only users with events stored since the watermark are recomputed", async () => {
    const key = "rollup-incremental";
    // i1 was stored an hour ago (inserted_at is server-set; only a test may write it), i2 just now
    await chCommand(
      `INSERT INTO events (id, type, user_id, experiment, variant, timestamp, inserted_at)
       SETTINGS insert_allow_materialized_columns = 1
       SELECT 'inc-1', 'exposure', 'i1', {key:String}, 'control', fromUnixTimestamp64Milli({t:Int64}, 'UTC'), now64(3) - INTERVAL 1 HOUR`,
      { key, t: T0 },
    );
    await chInsert("events", [ev("exposure", "i2", T0, { experiment: key, variant: "treatment" })]);
    expect((await refreshRollup(key, PRE_PERIOD_MS, rollupSpecOf({ key: key, metrics: OWN }))).kind).toBe("full");
    await chInsert("events", [ev("engagement", "i2", T0 + HOUR)]);
    expect((await refreshRollup(key, PRE_PERIOD_MS, rollupSpecOf({ key: key, metrics: OWN }))).kind).toBe("incremental");
    const rows = await chQuery<{ user_id: string; version: number }>("SELECT user_id, version FROM results_user_rollup FINAL WHERE experiment = {key:String} ORDER BY user_id", { key });
    // i2 was recomputed by the refresh; i1 (stored before the watermark's overlap) kept the full build's row
    expect(rows.map((r) => r.user_id)).toEqual(["i1", "i2"]);
    expect(rows[1].version).toBeGreaterThan(rows[0].version);
    // the refreshed rows were ≥ 5 % of the partition: merged into one part, so FINAL reads need no merging
    // (after the refresh's tail: the state write, then the merge, run once its rows are in)
    await rollupSettled(key);
    const [parts] = await chQuery<{ parts: number }>(ROLLUP_PARTS_SQL, { experiment: key });
    expect(parts.parts).toBe(1);
    await agree(key);
    // exposures only (no metric, no series) also come from the rollup
    const only = await getMetricSummaries({ experiment: { key, variants, metrics: OWN }, metrics: [] });
    expect(only).toMatchObject({ exposures: { control: 1, treatment: 1 }, multipleExposures: 0 });
    expect(only.served.source).toBe("rollup");
    expectSameNumbers(await getMetricSummaries({ experiment: { key, variants, metrics: OWN }, metrics: [], source: "events" }), only);
  });

  it("reuses stored per-variant summaries only while no event has been stored since the rollup's watermark", async () => {
    const key = "rollup-stored";
    const rows: any[] = [];
    for (let u = 0; u < 60; u++) {
      const user = `st${u}`;
      rows.push(ev("exposure", user, T0 + u * 60_000, { experiment: key, variant: u % 2 ? "treatment" : "control" }));
      rows.push(ev("page_load", user, T0 + HOUR + u * 60_000, { value: 300 + u * 7 }), ev("engagement", user, T0 + 2 * HOUR));
    }
    await chInsert("events", rows);
    // wait out the refresh overlap (5 s after the last stored event) so the second read finds nothing new
    const first = await summaries(key, "rollup");
    expect(first.served).toEqual({ source: "rollup", refresh: "full" });
    await new Promise((r) => setTimeout(r, 5_500));
    await summaries(key, "rollup");
    const again = await summaries(key, "rollup");
    expect(again.served).toEqual({ source: "stored", refresh: "none" });
    expectSameNumbers(again, first);
    expectSameNumbers(
      again,
      await getMetricSummaries({
        experiment: { key, variants, metrics: OWN },
        metrics: METRICS,
        cohortFrom: T0 + HOUR,
        buckets: { origin: Math.floor(T0 / HOUR) * HOUR - HOUR, width: HOUR, count: 60 },
        seriesMetric: "engagement_rate",
        reuseStored: false,
      }),
    );

    // another request (cohort start) at the same watermark is computed, not served another's rows
    const other = await getMetricSummaries({
      experiment: { key, variants, metrics: OWN },
      metrics: METRICS,
      cohortFrom: T0 + 30 * 60_000,
      buckets: { origin: Math.floor(T0 / HOUR) * HOUR - HOUR, width: HOUR, count: 60 },
    });
    expect(other.served.source).toBe("rollup");
    expect(other.cohort).toEqual({ control: 15, treatment: 15 });
    expect(first.cohort).toEqual({ control: 0, treatment: 0 });

    // one new event: the watermark moves, the rows are computed again and include it
    await chInsert("events", [ev("engagement", "st0", T0 + 3 * HOUR)]);
    const after = await agree(key);
    expect(after.served).toEqual({ source: "rollup", refresh: "incremental" });
    expect((after.metrics.engagement_per_user.control as any).mean.sum).toBe((first.metrics.engagement_per_user.control as any).mean.sum + 1);
  }, 30_000);

  it("keeps the series of a mean, ratio or rater-mean primary metric and matches the per-request pass", async () => {
    const key = "rollup-series";
    const rows = mixedRows(key, 11);
    await chInsert("events", rows);
    await chInsert(
      "events",
      rows.filter((_, i) => i % 5 === 0),
    ); // client retries
    const hourly = { origin: Math.floor((T0 - HOUR) / HOUR) * HOUR, width: HOUR, count: 60 };
    const daily = { origin: Math.floor(T0 / (24 * HOUR)) * 24 * HOUR, width: 24 * HOUR, count: 4 };
    const read = (primary: string, buckets: typeof hourly, source?: "events") =>
      getMetricSummaries({ experiment: { key, variants, metrics: { ...OWN, primary } }, metrics: METRICS, cohortFrom: T0 + HOUR, buckets, seriesMetric: primary, source });
    for (const primary of ["engagement_per_user", "error_rate", "page_load_time", "feedback_score", "revenue"]) {
      for (const buckets of [hourly, daily]) {
        const fromRollup = await read(primary, buckets);
        expect(fromRollup.served.source, `${primary}: served from the rollup`).not.toBe("events");
        expectSameNumbers(fromRollup, await read(primary, buckets, "events"));
        const sums = Object.values(fromRollup.series!.arms.treatment.sums);
        expect(sums.length, primary).toBeGreaterThan(0);
        expect(
          sums.some((xs) => xs.at(-1)! > 0),
          primary,
        ).toBe(true);
      }
    }
    // new events of a known user after the rollup ran: refreshed incrementally, the series follows
    await chInsert("events", [
      ev("metric", `${key}-1`, T0 + 45 * HOUR, { name: "revenue", value: 7 }),
      ev("exposure", `${key}-new`, T0 + 46 * HOUR, { experiment: key, variant: "control" }),
      ev("metric", `${key}-new`, T0 + 47 * HOUR, { name: "revenue", value: 3 }),
    ]);
    expectSameNumbers(await read("revenue", hourly), await read("revenue", hourly, "events"));
    // buckets that are not whole hours from an hour-aligned origin: the per-request pass serves them
    expect((await read("revenue", { ...hourly, origin: hourly.origin + 60_000 })).served.source).toBe("events");
  }, 60_000);
});
