/* eslint-disable @typescript-eslint/no-explicit-any -- results are asserted field by field */
// The results pipeline on real chDB: planted effects are found with intervals covering the truth;
// duplicates count once before merges; attribution to the first exposure; SRM; empty results;
// the route's 401/403/404; cache invalidation on experiment change.
process.env.VERDICT_RESULTS_CACHE_SECONDS = "300";

import { beforeAll, describe, expect, it } from "vitest";
import * as results from "@/app/api/v1/experiments/[key]/results/route";
import { chCommand, chInsert, chQuery } from "@/db/clickhouse/client";
import { SYSTEM } from "@/server/auth/principal";
import { createExperiment } from "@/server/experiments/create";
import { pauseExperiment, startExperiment } from "@/server/experiments/lifecycle";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { getMetricSummaries } from "@/server/evidence";
import { mulberry32, normalSource } from "./helpers/analysis/random";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.now();
const T0 = NOW - 2 * 24 * HOUR; // exposures over the last two days (hourly buckets)

type Ev = {
  id: string;
  type: string;
  user_id: string;
  name?: string;
  experiment?: string;
  variant?: string;
  value?: number;
  timestamp: string;
};

const iso = (ms: number) => new Date(ms).toISOString();
let seq = 0;
const ev = (type: string, user: string, at: number, extra: Partial<Ev> = {}): Ev => ({ id: `ev-${++seq}`, type, user_id: user, timestamp: iso(at), ...extra });

async function experiment(key: string, strategy: "ab" | "canary" = "ab", extra: Record<string, unknown> = {}) {
  await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key, name: key, strategy, ...extra }) });
  return startExperiment({ actor: SYSTEM, key });
}

const get = async (key: string) => (await call(results.GET, { params: { key }, path: `/api/v1/experiments/${key}/results` })).body;
const metric = (body: any, name: string) => body.metrics.find((m: any) => m.name === name);
const covers = (i: { lower: number | null; upper: number | null }, truth: number) => (i.lower ?? -Infinity) <= truth && truth <= (i.upper ?? Infinity);

beforeAll(async () => {
  await setupStores();
});

describe("results pipeline", () => {
  it("finds planted effects (+10% engagement, 2x errors, +20% load time) with intervals covering the truth", async () => {
    await experiment("planted", "ab", { metrics: { primary: "engagement_rate", secondary: ["orders_placed"] } });
    const rand = mulberry32(20261130);
    const normal = normalSource(rand);
    const rows: Ev[] = [];
    const USERS = 8000;
    for (let u = 0; u < USERS; u++) {
      const user = `p${u}`;
      const treated = u % 2 === 1;
      const exposedAt = T0 + Math.floor(rand() * 40 * HOUR);
      const after = () => exposedAt + Math.floor(rand() * 6 * HOUR);
      rows.push(ev("exposure", user, exposedAt, { experiment: "planted", variant: treated ? "treatment" : "control" }));
      // a propensity that also drives pre-exposure engagement: the CUPED covariate
      const engaged = rand() < 0.5;
      if (engaged && rand() < 0.8) rows.push(ev("engagement", user, exposedAt - 3 * 24 * HOUR));
      if (rand() < (engaged ? 0.45 : 0.15) * (treated ? 1.1 : 1)) rows.push(ev("engagement", user, after()));
      const requests = 2 + Math.floor(rand() * 8);
      for (let r = 0; r < requests; r++) {
        rows.push(ev("request", user, after()));
        if (rand() < (treated ? 0.04 : 0.02)) rows.push(ev("error", user, after()));
      }
      const views = 1 + Math.floor(rand() * 5);
      const userSpeed = Math.exp(0.3 * normal()); // views of one user are correlated
      for (let v = 0; v < views; v++) rows.push(ev("page_load", user, after(), { value: 800 * userSpeed * Math.exp(0.5 * normal()) * (treated ? 1.2 : 1) }));
      if (rand() < 0.2) rows.push(ev("feedback", user, after(), { value: 1 + Math.floor(rand() * 5) }));
      rows.push(ev("metric", user, after(), { name: "orders_placed", value: Math.floor(rand() * 3) }));
    }
    await chInsert("events", rows);

    const body = await get("planted");
    expect(body.exposures.byVariant).toEqual({ control: USERS / 2, treatment: USERS / 2 });
    expect(body.dataQuality.multipleExposures).toBe(0);
    expect(body.dataQuality.srm).toMatchObject({ applicable: true, mismatch: false });

    const eng = metric(body, "engagement_rate");
    expect(eng.role).toBe("primary");
    const engCmp = eng.comparisons[0];
    expect(engCmp.variant).toBe("treatment");
    expect(covers(engCmp.relative, 0.1)).toBe(true);
    expect(engCmp.absolute.estimate).toBeGreaterThan(0);
    // CUPED: the pre-period propensity explains part of the variance
    expect(engCmp.cuped.varianceReduction).toBeGreaterThan(0.02);
    expect(covers(engCmp.cuped.relative, 0.1)).toBe(true);
    expect(engCmp.adjustedPValue).toBeGreaterThanOrEqual(engCmp.pValue);

    const err = metric(body, "error_rate").comparisons[0];
    expect(covers(err.relative, 1)).toBe(true);
    expect(err.significant).toBe(true);
    expect(err.outcome).toBe("worse");
    expect(err.alwaysValid.pValue).toBeLessThan(0.05);

    const plt = metric(body, "page_load_time").comparisons[0];
    expect(covers(plt.relative, 0.2)).toBe(true);
    expect(plt.outcome).toBe("worse");
    for (const name of ["page_load_p50", "page_load_p95", "page_load_p99"]) {
      const p = metric(body, name).comparisons[0];
      expect(covers(p.relative, 0.2), name).toBe(true);
    }
    expect(metric(body, "page_load_p95").comparisons[0].significant).toBe(true);
    const feedback = metric(body, "feedback_score");
    expect(feedback.variants.control.n).toBeGreaterThan(600);
    expect(covers(feedback.comparisons[0].absolute, 0)).toBe(true);
    const orders = metric(body, "orders_placed");
    expect(orders.role).toBe("secondary");
    expect(orders.variants.control.mean).toBeCloseTo(1, 1);

    // time series: hourly buckets, cumulative exposures reach the totals, last effect = overall
    expect(body.timeseries.granularity).toBe("hour");
    const last = body.timeseries.buckets.at(-1);
    expect(last.exposures).toEqual({ control: USERS / 2, treatment: USERS / 2 });
    expect(last.effects.treatment.absolute.estimate).toBeCloseTo(engCmp.absolute.estimate, 10);
    const histogram = body.histogram.variants.treatment;
    expect(histogram.reduce((a: number, b: any) => a + b.count, 0)).toBe(metric(body, "page_load_p50").variants.treatment.views);
  });

  it("counts a duplicated event once before any merge, and ignores events before the first exposure", async () => {
    await experiment("dedup");
    await chCommand("SYSTEM STOP MERGES events");
    try {
      const rows = [
        ev("exposure", "d1", T0, { experiment: "dedup", variant: "control" }),
        ev("exposure", "d2", T0, { experiment: "dedup", variant: "treatment" }),
        ev("engagement", "d1", T0 + MIN),
        ev("engagement", "d1", T0 - MIN), // before exposure: not counted
        ev("engagement", "d2", T0 + MIN),
        ev("engagement", "d2", T0 + 2 * MIN),
      ];
      await chInsert("events", rows);
      await chInsert("events", rows.slice(2)); // a client retry: same ids, separate insert
      const raw = await chQuery<{ n: number }>("SELECT count() AS n FROM events WHERE user_id IN ('d1', 'd2') AND type = 'engagement'");
      expect(raw[0].n).toBe(8); // duplicates are physically there
      const s = await getMetricSummaries({
        experiment: {
          key: "dedup",
          variants: [
            { key: "control", weight: 0.5 },
            { key: "treatment", weight: 0.5 },
          ],
        },
        metrics: ["engagement_per_user"],
      });
      expect(s.metrics.engagement_per_user.control).toMatchObject({ mean: { n: 1, sum: 1, sumSquares: 1 } });
      expect(s.metrics.engagement_per_user.treatment).toMatchObject({ mean: { n: 1, sum: 2, sumSquares: 4 } });
      // the pre-exposure engagement is the CUPED covariate, not the metric
      expect((s.metrics.engagement_per_user.control as any).cuped.covariateSum).toBe(1);
      // cumulative per-user vectors for a mean metric's time series, also deduplicated
      const ts = await getMetricSummaries({
        experiment: {
          key: "dedup",
          variants: [
            { key: "control", weight: 0.5 },
            { key: "treatment", weight: 0.5 },
          ],
        },
        metrics: [],
        buckets: { origin: T0 - HOUR, width: HOUR, count: 3 },
        seriesMetric: "engagement_per_user",
      });
      expect(ts.series!.arms.treatment).toEqual({ n: [0, 1, 1], sums: { s_sum: [0, 2, 2], s_sq: [0, 4, 4] } });
      expect(ts.series!.arms.control.sums.s_sum).toEqual([0, 1, 1]);
    } finally {
      await chCommand("SYSTEM START MERGES events");
    }
  });

  it("excludes units exposed to two variants and counts them as multiple exposures", async () => {
    await experiment("multi");
    await chInsert("events", [
      ev("exposure", "m1", T0, { experiment: "multi", variant: "control" }),
      ev("exposure", "m1", T0 + HOUR, { experiment: "multi", variant: "treatment" }),
      ev("exposure", "m2", T0, { experiment: "multi", variant: "control" }),
      ev("exposure", "m2", T0 + HOUR, { experiment: "multi", variant: "control" }),
      ev("exposure", "m3", T0, { experiment: "multi", variant: "treatment" }),
      ev("engagement", "m1", T0 + 2 * HOUR),
      ev("engagement", "m3", T0 + 2 * HOUR),
    ]);
    const body = await get("multi");
    expect(body.dataQuality.multipleExposures).toBe(1);
    expect(body.exposures.byVariant).toEqual({ control: 1, treatment: 1 });
    expect(metric(body, "engagement_per_user").variants).toMatchObject({ control: { n: 1, mean: 0 }, treatment: { n: 1, mean: 1 } });
  });

  it("flags a sample-ratio mismatch on a skewed split, and uses the 1:1 canary cohort", async () => {
    await experiment("skewed");
    const rows: Ev[] = [];
    for (let u = 0; u < 1000; u++) rows.push(ev("exposure", `s${u}`, T0 + u * MIN, { experiment: "skewed", variant: u < 560 ? "control" : "treatment" }));
    await chInsert("events", rows);
    const srm = (await get("skewed")).dataQuality.srm;
    expect(srm).toMatchObject({ applicable: true, observed: { control: 560, treatment: 440 }, expected: { control: 0.5, treatment: 0.5 }, mismatch: true });
    expect(srm.pValue).toBeLessThan(0.001);

    const canary = await experiment("canary-srm", "canary");
    const stageStart = Date.parse(canary.state.stageStartedAt!);
    const before = [0, 1, 2].map((u) => ev("exposure", `c-old${u}`, stageStart - HOUR, { experiment: "canary-srm", variant: "control" }));
    const cohort = Array.from({ length: 240 }, (_, u) => ev("exposure", `c${u}`, stageStart + 1000 + u, { experiment: "canary-srm", variant: u % 2 ? "treatment" : "control" }));
    await chInsert("events", [...before, ...cohort]);
    const c = (await get("canary-srm")).dataQuality.srm;
    expect(c).toMatchObject({ applicable: true, observed: { control: 120, treatment: 120 }, expected: { control: 0.5, treatment: 0.5 }, mismatch: false });
  });

  it("returns a well-formed empty result without NaN or Infinity", async () => {
    await experiment("empty");
    const res = await call(results.GET, { params: { key: "empty" } });
    expect(res.status).toBe(200);
    const walk = (v: unknown): void => {
      if (typeof v === "number") expect(Number.isFinite(v)).toBe(true);
      else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(res.body);
    expect(res.body.exposures).toEqual({ total: 0, byVariant: { control: 0, treatment: 0 } });
    expect(res.body.dataQuality.srm.mismatch).toBeNull();
    const eng = metric(res.body, "engagement_rate");
    expect(eng.comparisons[0]).toMatchObject({ pValue: 1, significant: false, outcome: "inconclusive", degenerate: "empty-arm" });
    expect(eng.comparisons[0].absolute).toEqual({ estimate: 0, lower: null, upper: null });
    expect(res.body.timeseries.buckets.length).toBeGreaterThan(0);
  });

  it("answers 404 for an unknown experiment, 401 without a key and 403 for a client key", async () => {
    expect((await call(results.GET, { params: { key: "nope" } })).status).toBe(404);
    expect((await call(results.GET, { params: { key: "empty" }, token: null })).status).toBe(401);
    const forbidden = await call(results.GET, { params: { key: "empty" }, token: TEST_CLIENT_KEY });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("forbidden");
  });

  it("serves cached results until the experiment changes", async () => {
    await experiment("cached");
    await chInsert("events", [ev("exposure", "k1", T0, { experiment: "cached", variant: "control" })]);
    expect((await get("cached")).exposures.total).toBe(1);
    await chInsert("events", [ev("exposure", "k2", T0, { experiment: "cached", variant: "treatment" })]);
    expect((await get("cached")).exposures.total).toBe(1); // cached
    await pauseExperiment({ actor: SYSTEM, key: "cached" });
    expect((await get("cached")).exposures.total).toBe(2);
  });
});
