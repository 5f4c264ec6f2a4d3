// Novelty on real chDB: the primary metric's effect by days since first exposure (getNovelty) against
// a from-scratch computation over the planted events in JS (dedup by id, first exposure per unit,
// multi-variant units out, post-exposure only, the entry's UTC hour → day rule, units that reached
// each day), also across interleaved inserts and reads; and the trend: a curiosity spike that decays
// is flagged, a constant effect is not.
import { beforeAll, describe, expect, it } from "vitest";
import * as resultsRoute from "@/app/api/v1/experiments/[key]/results/route";
import { chInsert } from "@/db/clickhouse/client";
import { SYSTEM } from "@/server/auth/principal";
import { loadNoveltyCard } from "@/server/dashboard/novelty-view";
import { createExperiment } from "@/server/experiments/create";
import { getExperiment } from "@/server/experiments/get";
import { startExperiment } from "@/server/experiments/lifecycle";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { getNovelty, REFRESH_OVERLAP_MS, type NoveltySummaries } from "@/server/evidence";
import { noveltyEffects, noveltyTrend, noveltyUnitScore, type NoveltyKind, type NoveltyTrendPlan } from "@analysis";
import { mulberry32 } from "./helpers/analysis/random";
import { call, setupStores } from "./helpers/app";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// hour-aligned and in the past: the hour → day rule gives the same days on every run
const NOW = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const variants = [
  { key: "control", weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];

type Ev = { id: string; type: string; user_id: string; timestamp: string; experiment?: string; variant?: string; name?: string; value?: number };
let seq = 0;
const ev = (type: string, user: string, at: number, extra: Partial<Ev> = {}): Ev => ({ id: `nv-${++seq}`, type, user_id: user, timestamp: new Date(at).toISOString(), ...extra });

function poisson(rand: () => number, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  for (let p = rand(); p > l; p *= rand()) k++;
  return k;
}

type Family = "engagement" | "errors" | "revenue";
const FAMILY_OF: Record<string, Family> = { engagement_per_user: "engagement", engagement_rate: "engagement", error_rate: "errors", revenue: "revenue" };

/**
 * Units exposed uniformly over the last `spanDays` days, half per arm (every `multi`-th unit also
 * sees the other variant), events on each day since exposure (the partial current day included, and
 * some before the exposure) at a Poisson rate per day that may depend on arm and day.
 */
function plant(key: string, seed: number, opts: { units: number; spanDays: number; family: Family; rate: (arm: string, day: number) => number; from?: number; multi?: number }): Ev[] {
  const rand = mulberry32(seed);
  const rows: Ev[] = [];
  for (let u = opts.from ?? 0; u < (opts.from ?? 0) + opts.units; u++) {
    const user = `${key}-${u}`;
    const arm = u % 2 ? "treatment" : "control";
    const first = NOW - Math.floor(rand() * opts.spanDays * DAY);
    rows.push(ev("exposure", user, first, { experiment: key, variant: arm }));
    if (opts.multi && u % opts.multi === 5) rows.push(ev("exposure", user, first + 2 * HOUR, { experiment: key, variant: arm === "control" ? "treatment" : "control" }));
    if (rand() < 0.5) rows.push(ev("engagement", user, first - Math.floor(rand() * 3 * DAY) - 1));
    for (let d = 0; first + d * DAY < NOW; d++) {
      const count = poisson(rand, opts.rate(arm, d));
      for (let k = 0; k < count; k++) {
        const at = first + d * DAY + Math.floor(rand() * DAY);
        if (at >= NOW) continue;
        if (opts.family === "engagement") rows.push(ev("engagement", user, at));
        else if (opts.family === "revenue") rows.push(ev("metric", user, at, { name: "revenue", value: Math.round(rand() * 5000) / 100 }));
        else {
          rows.push(ev("request", user, at));
          if (rand() < opts.rate(arm, d) / 20) rows.push(ev("error", user, at + 1));
        }
      }
    }
  }
  return rows;
}

/** The per-day summaries from scratch, by the documented rules. */
function fromScratch(all: Ev[], key: string, metric: string, cut: number) {
  const rows = [...new Map(all.map((r) => [r.id, r])).values()];
  const exposures = new Map<string, { at: number; variant: string; variants: Set<string> }>();
  for (const r of rows.filter((x) => x.type === "exposure" && x.experiment === key)) {
    const at = Date.parse(r.timestamp);
    const e = exposures.get(r.user_id);
    if (!e) exposures.set(r.user_id, { at, variant: r.variant!, variants: new Set([r.variant!]) });
    else {
      e.variants.add(r.variant!);
      if (at < e.at) Object.assign(e, { at, variant: r.variant! });
    }
  }
  const family = FAMILY_OF[metric];
  const kind: NoveltyKind = metric === "engagement_rate" ? "proportion" : metric === "error_rate" ? "ratio" : "mean";
  const units: { arm: "control" | "treatment"; reached: number; values: Map<number, { x: number; y: number }> }[] = [];
  const byUser = new Map<string, (typeof units)[number]>();
  for (const [user, e] of exposures) {
    if (e.variants.size > 1) continue;
    const reached = Math.min(Math.floor((cut - e.at) / DAY) - 1, 29);
    if (reached < 0) continue;
    const unit = { arm: e.variant as "control" | "treatment", reached, values: new Map() };
    units.push(unit);
    byUser.set(user, unit);
  }
  for (const r of rows) {
    const unit = byUser.get(r.user_id);
    const e = exposures.get(r.user_id);
    if (!unit || !e) continue;
    const at = Date.parse(r.timestamp);
    if (at < e.at) continue;
    const entry =
      family === "engagement" && r.type === "engagement"
        ? { x: 1, y: 0 }
        : family === "revenue" && r.type === "metric" && r.name === "revenue"
          ? { x: r.value!, y: 0 }
          : family === "errors" && (r.type === "error" || r.type === "request")
            ? { x: r.type === "error" ? 1 : 0, y: r.type === "request" ? 1 : 0 }
            : null;
    if (!entry) continue;
    const day = Math.max(0, Math.trunc((Math.floor(at / HOUR) * HOUR - e.at) / DAY));
    if (day > unit.reached) continue;
    const v = unit.values.get(day) ?? { x: 0, y: 0 };
    if (kind === "proportion") v.x = 1;
    else {
      v.x += entry.x;
      v.y += entry.y;
    }
    unit.values.set(day, v);
  }
  const lastDay = Math.max(-1, ...units.map((u) => u.reached));
  const input = Array.from({ length: lastDay + 1 }, (_, day) => {
    const arm = (which: string) => {
      const s = { n: 0, sumX: 0, sumX2: 0, sumY: 0, sumY2: 0, sumXY: 0 };
      for (const u of units) {
        if (u.arm !== which || u.reached < day) continue;
        const v = u.values.get(day) ?? { x: 0, y: 0 };
        s.n++;
        s.sumX += v.x;
        s.sumX2 += v.x * v.x;
        s.sumY += v.y;
        s.sumY2 += v.y * v.y;
        s.sumXY += v.x * v.y;
      }
      return kind === "ratio" ? s : { n: s.n, sumX: s.sumX, sumX2: s.sumX2 };
    };
    return { day, control: arm("control"), treatment: arm("treatment") };
  });
  const result = noveltyEffects(kind, input);
  let trend = null;
  if (result.plan) {
    const plan = result.plan as NoveltyTrendPlan;
    const scores = { control: { n: 0, sumS2: 0 }, treatment: { n: 0, sumS2: 0 } };
    for (const u of units) {
      if (u.reached < plan.days[0]) continue;
      const s = noveltyUnitScore(
        plan,
        u.arm,
        kind,
        u.reached,
        [...u.values].map(([day, v]) => ({ day, ...v })),
      );
      scores[u.arm].n++;
      scores[u.arm].sumS2 += s * s;
    }
    trend = noveltyTrend(plan, scores);
  }
  return { kind, input, trend };
}

const close = (a: number, b: number, label: string) => expect(Math.abs(a - b), `${label}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

function expectAgrees(got: NoveltySummaries, want: ReturnType<typeof fromScratch>) {
  expect(got.kind).toBe(want.kind);
  expect(got.input.map((d) => d.day)).toEqual(want.input.map((d) => d.day));
  got.input.forEach((d, i) => {
    for (const arm of ["control", "treatment"] as const) {
      const g = d[arm] as Record<string, number>;
      const w = want.input[i][arm] as Record<string, number>;
      expect(Object.keys(g).sort(), `day ${d.day} ${arm}`).toEqual(Object.keys(w).sort());
      for (const k of Object.keys(w)) close(g[k], w[k], `day ${d.day} ${arm}.${k}`);
    }
    expect(got.units[i].byVariant).toEqual({ control: want.input[i].control.n, treatment: want.input[i].treatment.n });
  });
  expect(got.trend === null).toBe(want.trend === null);
  if (got.trend && want.trend) {
    close(got.trend.slope, want.trend.slope, "slope");
    close(got.trend.se, want.trend.se, "robust se");
    close(got.trend.pValue, want.trend.pValue, "p");
    expect(got.trend.trending).toBe(want.trend.trending);
  }
}

const experiment = (key: string, primary: string) => ({ key, variants, control: "control", treatment: "treatment", metrics: { primary } });

beforeAll(async () => {
  await setupStores();
});

describe("novelty on the real store", () => {
  it("a curiosity spike (treatment +150 % on day 0, decaying) trends down: negative slope, shrinking, trending; a repeated read reuses the stored rows", async () => {
    const key = "novelty-spike";
    const rows = plant(key, 161, { units: 1600, spanDays: 10, family: "engagement", rate: (arm, d) => 1 + (arm === "treatment" ? 1.5 * Math.exp(-d / 1.5) : 0) });
    await chInsert("events", rows);
    // past the refresh overlap: the insert must not count as new at the second read's refresh
    await new Promise((r) => setTimeout(r, REFRESH_OVERLAP_MS + 200));
    const got = await getNovelty({ experiment: experiment(key, "engagement_per_user"), now: NOW });
    expectAgrees(got, fromScratch(rows, key, "engagement_per_user", NOW));
    expect(got.source).toBe("rollup");
    expect(got.days[0].effect).toBeGreaterThan(1);
    expect(got.trend?.slope).toBeLessThan(0);
    expect(got.trend?.direction).toBe("shrinking");
    expect(got.trend?.trending).toBe(true);
    expect(got.trend?.pValue).toBeLessThan(1e-6);
    // no event since: the second read reuses the stored rows, and gives the same numbers
    expect(got.stored).toBe(false);
    const again = await getNovelty({ experiment: experiment(key, "engagement_per_user"), now: NOW + HOUR / 2 });
    expect(again.stored).toBe(true);
    expect({ ...again, stored: false }).toEqual(got);
  });

  it("a constant effect (+30 % every day) does not trend", async () => {
    const key = "novelty-constant";
    const rows = plant(key, 162, { units: 1600, spanDays: 10, family: "engagement", rate: (arm) => (arm === "treatment" ? 1.3 : 1) });
    await chInsert("events", rows);
    const got = await getNovelty({ experiment: experiment(key, "engagement_per_user"), now: NOW });
    expectAgrees(got, fromScratch(rows, key, "engagement_per_user", NOW));
    expect(got.days[0].ci.lower).toBeGreaterThan(0);
    expect(got.trend?.slope).toBeGreaterThan(-0.05);
    expect(got.trend?.trending).toBe(false);
    expect(got.trend?.pValue).toBeGreaterThan(0.05);
  });

  it("a proportion primary (engagement_rate: any engagement that day) from the rollup's series, and a custom mean, agree from scratch", async () => {
    const key = "novelty-rate";
    const rows = plant(key, 163, { units: 800, spanDays: 8, family: "engagement", rate: (arm, d) => 0.6 + (arm === "treatment" ? 0.8 * Math.exp(-d) : 0), multi: 40 });
    await chInsert("events", rows);
    const got = await getNovelty({ experiment: experiment(key, "engagement_rate"), now: NOW });
    expect(got.source).toBe("rollup");
    expectAgrees(got, fromScratch(rows, key, "engagement_rate", NOW));
    expect(got.trend?.trending).toBe(true);

    const rkey = "novelty-revenue";
    const revenue = plant(rkey, 164, { units: 600, spanDays: 6, family: "revenue", rate: () => 0.7 });
    await chInsert("events", revenue);
    const r = await getNovelty({ experiment: experiment(rkey, "revenue"), now: NOW });
    expect(r.source).toBe("rollup");
    expectAgrees(r, fromScratch(revenue, rkey, "revenue", NOW));
  });

  it("stays exact across interleaved inserts and reads (new units, new events, retries, late and second-variant exposures)", async () => {
    const key = "novelty-interleaved";
    const rand = mulberry32(165);
    const all: Ev[] = [];
    const insert = async (rows: Ev[]) => {
      await chInsert("events", rows);
      all.push(...rows);
    };
    for (const primary of ["error_rate", "engagement_rate"]) {
      const k = `${key}-${primary}`;
      all.length = 0;
      const family = FAMILY_OF[primary];
      await insert(plant(k, 166, { units: 300, spanDays: 7, family, rate: (arm, d) => 2 + (arm === "treatment" ? 2 / (1 + d) : 0) }));
      for (let round = 0; round < 6; round++) {
        const step = round < 4 ? round / 4 + 0.01 : rand(); // every kind of step at least once
        if (step < 0.3) {
          await insert(plant(k, 170 + round, { units: 40, spanDays: 7, family, rate: () => 2, from: 1000 + 100 * round }));
        } else if (step < 0.55) {
          await insert(all.filter(() => rand() < 0.05).map((r) => ({ ...r }))); // client retries: same ids
        } else if (step < 0.8) {
          // late exposures: an earlier first exposure for some known units (the same variant or the other)
          const users = [...new Set(all.filter((r) => r.type === "exposure").map((r) => r.user_id))].filter(() => rand() < 0.05);
          await insert(users.map((u, i) => ev("exposure", u, NOW - Math.floor(rand() * 7 * DAY), { experiment: k, variant: i % 3 === 0 ? "treatment" : "control" })));
        } else {
          const users = [...new Set(all.map((r) => r.user_id))].filter(() => rand() < 0.2);
          await insert(users.map((u) => ev(family === "errors" ? "request" : "engagement", u, NOW - Math.floor(rand() * 7 * DAY))));
        }
        const got = await getNovelty({ experiment: experiment(k, primary), now: NOW });
        expect(got.stored, `round ${round}: computed after the insert`).toBe(false);
        expectAgrees(got, fromScratch(all, k, primary, NOW));
      }
      // a read at a later cut: units reach further days without any new event
      const later = NOW + DAY / 2;
      expectAgrees(await getNovelty({ experiment: experiment(k, primary), now: later }), fromScratch(all, k, primary, later));
    }
  }, 120_000);

  it("a percentile primary has no novelty view", async () => {
    const got = await getNovelty({ experiment: experiment("novelty-p95", "page_load_p95"), now: NOW });
    expect(got.kind).toBeNull();
    expect(got.unavailable).toMatch(/percentile/);
  });

  it("GET …/results?novelty=1 adds the view with the warning; without it there is none", async () => {
    const key = "novelty-http";
    await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key, name: key, strategy: "ab", metrics: { primary: "engagement_per_user" } }) });
    await startExperiment({ actor: SYSTEM, key });
    await chInsert("events", plant(key, 167, { units: 1600, spanDays: 10, family: "engagement", rate: (arm, d) => 1 + (arm === "treatment" ? 1.5 * Math.exp(-d / 1.5) : 0) }));
    const get = (query: string) => call(resultsRoute.GET, { params: { key }, path: `/api/v1/experiments/${key}/results${query}` });
    const plain = await get("");
    expect(plain.status).toBe(200);
    expect(plain.body.novelty).toBeUndefined();
    const res = await get("?novelty=1");
    expect(res.status).toBe(200);
    const n = res.body.novelty;
    expect(n.metric).toBe("engagement_per_user");
    expect(n.days.length).toBeGreaterThanOrEqual(9);
    expect(Object.keys(n.days[0].n.byVariant).sort()).toEqual(["control", "treatment"]);
    expect(n.trend.trending).toBe(true);
    expect(n.trend.slope).toBeLessThan(0);
    expect(n.warning).toMatch(/^The effect is shrinking with time since exposure \(p < 0\.001\): a novelty effect; the long-run effect may be smaller\.$/);
    expect((await get("?novelty=maybe")).status).toBe(400);
    // the experiment page's card
    const card = (await loadNoveltyCard(await getExperiment({ key }))).view!;
    expect(card.warning).toBe(n.warning);
    expect(card.points.map((p) => p.day)).toEqual(n.days.map((d: { day: number }) => d.day));
    expect(card.trend).toMatch(/^-[0-9.]+ per day over \d+ days \(p < 0\.001\)$/);
  });
});
