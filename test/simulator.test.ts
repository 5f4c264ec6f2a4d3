// The simulator: the traffic model plants the effects it is asked for (pure, many users), and the
// driver sends everything through the public endpoints (in-process route handlers with the client
// key) so that ClickHouse holds exactly what the report says, including a planted SRM.
import { beforeAll, describe, expect, it } from "vitest";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import { chQuery } from "@/db/clickhouse/client";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { createRandom, parseMultiplier, parseShare, runSimulation, unitTraffic, USER_PROFILE, type SimEvent, type VariantEffects } from "@/simulator";
import { inProcessTransport } from "@/simulator/in-process";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

function totals(users: number, seed: number, effects?: VariantEffects) {
  const rng = createRandom(seed);
  const t = { requests: 0, errors: 0, loads: 0, loadMs: 0, engagements: 0, raters: 0, feedback: 0 };
  for (let i = 0; i < users; i++) {
    const events: SimEvent[] = unitTraffic(rng.fork(i), USER_PROFILE, effects);
    for (const e of events) {
      if (e.type === "request") t.requests++;
      if (e.type === "error") t.errors++;
      if (e.type === "page_load") {
        t.loads++;
        t.loadMs += e.value!;
      }
      if (e.type === "engagement") t.engagements++;
      if (e.type === "feedback") {
        t.raters++;
        t.feedback += e.value!;
      }
    }
  }
  return t;
}

describe("traffic model", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const a = unitTraffic(createRandom(7).fork("u1"), USER_PROFILE);
    expect(unitTraffic(createRandom(7).fork("u1"), USER_PROFILE)).toEqual(a);
    expect(unitTraffic(createRandom(8).fork("u1"), USER_PROFILE)).not.toEqual(a);
  });

  it("produces realistic users: several sessions, ~1 % errors, log-normal loads around the median, occasional 1-5 feedback", () => {
    const t = totals(20_000, 1);
    expect(t.errors / t.requests).toBeGreaterThan(0.009);
    expect(t.errors / t.requests).toBeLessThan(0.011);
    // mean of a log-normal = median * exp(sigma^2 / 2)
    const expectedMean = USER_PROFILE.loadTimeMedianMs * Math.exp(USER_PROFILE.loadTimeSigma ** 2 / 2);
    expect(t.loadMs / t.loads / expectedMean).toBeCloseTo(1, 1);
    expect(t.raters / 20_000).toBeGreaterThan(0.1);
    expect(t.raters / 20_000).toBeLessThan(0.14);
    expect(t.feedback / t.raters).toBeGreaterThan(3.8);
    expect(t.feedback / t.raters).toBeLessThan(4.3);
    expect(t.loads / 20_000).toBeGreaterThan(5); // 3 sessions × 2.5 views
  });

  it("plants each effect it is given, and only that one", () => {
    const base = totals(20_000, 2);
    const treated = totals(20_000, 3, { errorRate: 2, loadTime: 1.2, engagementLift: 0.1, feedbackShift: -0.5 });
    const rate = (t: typeof base) => t.errors / t.requests;
    expect(rate(treated) / rate(base)).toBeGreaterThan(1.85);
    expect(rate(treated) / rate(base)).toBeLessThan(2.15);
    expect(treated.loadMs / treated.loads / (base.loadMs / base.loads)).toBeCloseTo(1.2, 1);
    expect(treated.engagements / base.engagements).toBeGreaterThan(1.06);
    expect(treated.engagements / base.engagements).toBeLessThan(1.14);
    expect(treated.feedback / treated.raters - base.feedback / base.raters).toBeLessThan(-0.35);
    const neutral = totals(20_000, 4, {});
    expect(rate(neutral) / rate(base)).toBeGreaterThan(0.9);
    expect(rate(neutral) / rate(base)).toBeLessThan(1.1);
  });

  it("parses the CLI's effect forms", () => {
    expect(parseMultiplier("2x")).toBe(2);
    expect(parseMultiplier("1.2X")).toBe(1.2);
    expect(parseMultiplier("120%")).toBe(1.2);
    expect(parseShare("10%")).toBeCloseTo(0.1);
    expect(parseShare("-5%")).toBeCloseTo(-0.05);
    expect(() => parseMultiplier("double")).toThrow(/not a multiplier/);
  });
});

describe("simulation through the public API (in-process route handlers)", () => {
  beforeAll(async () => {
    await setupStores();
    for (const key of ["sim-ab", "sim-srm"]) {
      expect((await call(collection.POST, { body: { key, name: key, strategy: "ab" } })).status).toBe(201);
      expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
    }
  });

  async function perVariant(experiment: string, prefix: string) {
    return chQuery<{ variant: string; users: number; requests: number; errors: number }>(
      `SELECT f.variant AS variant, uniqExact(f.user_id) AS users,
              countIf(e.type = 'request') AS requests, countIf(e.type = 'error') AS errors
       FROM (SELECT user_id, argMin(variant, timestamp) AS variant FROM events WHERE type = 'exposure' AND experiment = {exp:String} AND startsWith(user_id, {prefix:String}) GROUP BY user_id) AS f
       LEFT JOIN (SELECT DISTINCT id, user_id, type FROM events WHERE type IN ('request', 'error')) AS e ON e.user_id = f.user_id
       GROUP BY variant ORDER BY variant`,
      { exp: experiment, prefix },
    );
  }

  it("assigns, logs exposures and sends every event; the stored data shows the planted effect", async () => {
    const report = await runSimulation({
      transport: inProcessTransport({ clientKey: TEST_CLIENT_KEY }),
      experiment: "sim-ab",
      users: 3000,
      seed: 11,
      userPrefix: "ab-",
      effects: { treatment: { errorRate: 3 } },
    });
    expect(report.users).toBe(3000);
    expect(report.eventsRejected).toBe(0);
    expect(report.exposed.control + report.exposed.treatment).toBe(3000);
    await flushIngestion();
    const rows = await perVariant("sim-ab", "ab-");
    const byVariant = Object.fromEntries(rows.map((r) => [r.variant, r]));
    expect(byVariant.control.users).toBe(report.exposed.control);
    expect(byVariant.treatment.users).toBe(report.exposed.treatment);
    const ratio = byVariant.treatment.errors / byVariant.treatment.requests / (byVariant.control.errors / byVariant.control.requests);
    expect(ratio).toBeGreaterThan(2.3);
    expect(ratio).toBeLessThan(3.9);
  });

  it("plants a sample-ratio mismatch by leaving a share of one arm's exposures unlogged", async () => {
    const report = await runSimulation({
      transport: inProcessTransport({ clientKey: TEST_CLIENT_KEY }),
      experiment: "sim-srm",
      users: 2000,
      seed: 12,
      userPrefix: "srm-",
      effects: { treatment: { dropExposures: 0.3 } },
      onlyExposed: true,
    });
    expect(report.droppedExposures).toBeGreaterThan(200);
    expect(report.exposed.treatment + report.droppedExposures).toBe(report.served.treatment);
    await flushIngestion();
    const rows = await perVariant("sim-srm", "srm-");
    const byVariant = Object.fromEntries(rows.map((r) => [r.variant, r.users]));
    expect(byVariant).toEqual({ control: report.exposed.control, treatment: report.exposed.treatment });
    expect(byVariant.treatment / byVariant.control).toBeLessThan(0.8);
  });
});
