/* eslint-disable @typescript-eslint/no-explicit-any -- summaries are compared field by field */
// Segment breakdowns (issue 16) on real chDB: each unit's value is its attribute at FIRST exposure
// (the first exposure's properties), the 20 most frequent values keep their name, the rest are
// 'other'; per value, the summaries equal a from-scratch SQL over the raw events, the rollup and
// the per-request pass agree, and the values add up to the unsegmented summaries.
import { beforeAll, describe, expect, it } from "vitest";
import { chInsert, chQuery } from "@/db/clickhouse/client";
import { getMetricSummaries, getSegmentSummaries, type SegmentSummaries } from "@/server/evidence";
import { mulberry32 } from "./helpers/analysis/random";
import { setupStores } from "./helpers/app";
import { expectSameNumbers } from "./helpers/same-numbers";

const HOUR = 3_600_000;
const T0 = Date.now() - 2 * 24 * HOUR;
let seq = 0;
const ev = (type: string, user: string, at: number, extra: Record<string, unknown> = {}) => ({ id: `s-${++seq}`, type, user_id: user, timestamp: new Date(at).toISOString(), ...extra });
const variants = [
  { key: "control", weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];
const METRICS = ["engagement_rate", "engagement_per_user", "error_rate", "page_load_time", "page_load_p95", "feedback_score", "revenue"];
const PLATFORMS = ["ios", "android", "web"];
const KEY = "seg-mixed";

/** 600 users: platform from 3 values (some units without it), city from 25 values, a few exposed twice, retried batches. */
function rows(): any[] {
  const rand = mulberry32(16);
  const out: any[] = [];
  for (let u = 0; u < 600; u++) {
    const user = `seg-${u}`;
    const at = T0 + Math.floor(rand() * 40 * HOUR);
    const props = u % 37 === 5 ? "{}" : JSON.stringify({ platform: PLATFORMS[u % 3], city: `c${Math.floor(rand() * rand() * 25)}`, build: u % 2 ? 412 : true });
    out.push(ev("exposure", user, at, { experiment: KEY, variant: u % 2 ? "treatment" : "control", properties: props }));
    // a later exposure with other attributes: the FIRST exposure's value counts
    if (u % 10 === 1) out.push(ev("exposure", user, at + HOUR, { experiment: KEY, variant: u % 2 ? "treatment" : "control", properties: JSON.stringify({ platform: "changed", city: "elsewhere" }) }));
    if (u % 97 === 3) out.push(ev("exposure", user, at + HOUR, { experiment: KEY, variant: u % 2 ? "control" : "treatment" }));
    for (let k = 0; k < 8; k++) {
      const t = at + Math.floor(rand() * 6 * HOUR) - HOUR;
      const r = rand();
      if (r < 0.3) out.push(ev("page_load", user, t, { value: 100 + rand() * 2000 }));
      else if (r < 0.5) out.push(ev("request", user, t));
      else if (r < 0.6 + (u % 3 === 1 ? 0.1 : 0)) out.push(ev("error", user, t));
      else if (r < 0.75) out.push(ev("engagement", user, t));
      else if (r < 0.85) out.push(ev("feedback", user, t, { value: 1 + Math.floor(rand() * 5) }));
      else out.push(ev("metric", user, t, { name: "revenue", value: Math.floor(rand() * 40) / 4 }));
    }
  }
  return out;
}

/** From scratch over the raw events: per (value of `attr` at first exposure, variant) units and post-exposure sums, single-variant units only. */
async function rawBreakdown(attr: string): Promise<Map<string, any>> {
  const r = await chQuery<any>(
    `WITH fe AS (
       SELECT user_id AS fu, argMin(variant, timestamp) AS fv, min(timestamp) AS first_at, uniqExact(variant) AS nv, argMin(properties, timestamp) AS p
       FROM (SELECT DISTINCT id, user_id, variant, timestamp, properties FROM events WHERE type = 'exposure' AND experiment = {key:String}) GROUP BY user_id)
     SELECT seg, variant, count() AS units, sum(eng) AS eng, sum(err) AS err, sum(req) AS req, sum(pl) AS pl, sum(rev) AS rev FROM (
       SELECT fe.fu, any(fe.fv) AS variant,
              any(if(JSONType(fe.p, {attr:String}) = 'String', JSONExtractString(fe.p, {attr:String}), if(JSONHas(fe.p, {attr:String}), JSONExtractRaw(fe.p, {attr:String}), '(none)'))) AS seg,
              countIf(ev.type = 'engagement' AND ev.timestamp >= fe.first_at) AS eng, countIf(ev.type = 'error' AND ev.timestamp >= fe.first_at) AS err,
              countIf(ev.type = 'request' AND ev.timestamp >= fe.first_at) AS req, sumIf(ev.value, ev.type = 'page_load' AND ev.timestamp >= fe.first_at) AS pl,
              sumIf(ev.value, ev.type = 'metric' AND ev.timestamp >= fe.first_at) AS rev
       FROM fe LEFT JOIN (SELECT DISTINCT id, type, user_id, value, timestamp FROM events WHERE type != 'exposure') AS ev ON ev.user_id = fe.fu
       WHERE fe.nv = 1 GROUP BY fe.fu)
     GROUP BY seg, variant`,
    { key: KEY, attr },
  );
  return new Map(r.map((x) => [`${x.seg}/${x.variant}`, x]));
}

const breakdown = (segment: string, source?: "rollup" | "events") =>
  getSegmentSummaries({ experiment: { key: KEY, variants, metrics: { secondary: ["revenue"] } }, metrics: METRICS, segment, source });

function expectMatchesRaw(s: SegmentSummaries, raw: Map<string, any>): void {
  let checked = 0;
  for (const { value, summaries } of s.values) {
    for (const v of ["control", "treatment"]) {
      const r = raw.get(`${value}/${v}`) ?? { units: 0, eng: 0, err: 0, req: 0, pl: 0, rev: 0 };
      const where = `${s.attribute}=${value}/${v}`;
      expect(summaries.exposures[v], where).toBe(Number(r.units));
      expect((summaries.metrics.engagement_per_user[v] as any).mean.sum, where).toBe(Number(r.eng));
      expect((summaries.metrics.error_rate[v] as any).ratio.sumX, where).toBe(Number(r.err));
      expect((summaries.metrics.error_rate[v] as any).ratio.sumY, where).toBe(Number(r.req));
      expect((summaries.metrics.page_load_time[v] as any).ratio.sumX, where).toBeCloseTo(Number(r.pl), 6);
      const rev = (summaries.metrics.revenue[v] as any).mean;
      expect(rev.sum + rev.shift * rev.n, where).toBeCloseTo(Number(r.rev), 6);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(0);
  const units = [...raw.values()].reduce((a, r) => a + Number(r.units), 0);
  expect(s.values.reduce((a, x) => a + x.summaries.exposures.control + x.summaries.exposures.treatment, 0)).toBe(units);
}

beforeAll(async () => {
  await setupStores();
  const all = rows();
  await chInsert("events", all);
  await chInsert(
    "events",
    all.filter((_, i) => i % 9 === 0),
  ); // client retries
});

describe("segment breakdowns", () => {
  it("per value of the attribute at first exposure, equals a from-scratch SQL over the raw events; rollup and per-request pass agree", async () => {
    const s = await breakdown("platform");
    expect(s.values.map((x) => x.value).sort()).toEqual(["(none)", "android", "ios", "web"]);
    expectMatchesRaw(s, await rawBreakdown("platform"));
    expectSameNumbers(s, await breakdown("platform", "events"));
    // the values add up to the unsegmented summaries
    const whole = await getMetricSummaries({ experiment: { key: KEY, variants, metrics: { secondary: ["revenue"] } }, metrics: METRICS });
    for (const v of ["control", "treatment"]) {
      expect(s.values.reduce((a, x) => a + x.summaries.exposures[v], 0)).toBe(whole.exposures[v]);
      expect(s.values.reduce((a, x) => a + (x.summaries.metrics.error_rate[v] as any).ratio.sumX, 0)).toBe((whole.metrics.error_rate[v] as any).ratio.sumX);
    }
    expect(s.values.reduce((a, x) => a + x.summaries.multipleExposures, 0)).toBe(whole.multipleExposures);
    // percentiles per segment: an exact quantile per (value, arm)
    expect((s.values.find((x) => x.value === "android")!.summaries.metrics.page_load_p95.treatment as any).quantile.estimate).toBeGreaterThan(100);
  });

  it("keeps the 20 most frequent values and groups the rest as 'other'; numbers and booleans by their JSON text", async () => {
    const s = await breakdown("city");
    const raw = await rawBreakdown("city");
    const counts = new Map<string, number>();
    for (const [k, r] of raw) counts.set(k.split("/")[0], (counts.get(k.split("/")[0]) ?? 0) + Number(r.units));
    const names = s.values.map((x) => x.value).filter((v) => v !== "other");
    expect(names.length).toBe(20);
    expect(s.values.some((x) => x.value === "other")).toBe(true);
    const smallestKept = Math.min(...names.map((n) => counts.get(n) ?? 0));
    for (const [v, c] of counts) if (!names.includes(v)) expect(c, v).toBeLessThanOrEqual(smallestKept);
    const build = await breakdown("build");
    expect(build.values.map((x) => x.value).sort()).toEqual(["(none)", "412", "true"]);
    expectMatchesRaw(build, await rawBreakdown("build"));
  });

  it("is stored at the rollup's watermark like any request: a second read is served stored and equal", async () => {
    // wait out the refresh overlap (5 s after the last stored event) so the second read finds nothing new
    await new Promise((r) => setTimeout(r, 5_500));
    const a = await breakdown("platform");
    const b = await breakdown("platform");
    expect(b.served.source).toBe("stored");
    expectSameNumbers(a, b);
  });
});
