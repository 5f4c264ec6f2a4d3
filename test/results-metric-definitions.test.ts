/* eslint-disable @typescript-eslint/no-explicit-any -- summaries are compared field by field */
// Metric definitions on the real store (issue 16 part 2): stored definitions of every kind, with
// `where` filters on event properties and capping, compiled into the one per-user SELECT. For each,
// the rollup path, the per-request pass over the raw events and a hand computation in JS over the
// planted events agree; also under random interleavings of inserts, retries, late exposures and
// rollup refreshes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cappedMean } from "@analysis";
import { chInsert } from "@/db/clickhouse/client";
import { getMetricSummaries, type MetricDefinition, type MetricSummaries } from "@/server/evidence";
// the registry hook the metrics domain pushes stored definitions through
import { setStoredMetricDefinitions } from "@/server/evidence/metrics";
import { mulberry32 } from "./helpers/analysis/random";
import { setupStores } from "./helpers/app";
import { expectSameNumbers } from "./helpers/same-numbers";

const HOUR = 3_600_000;
const T0 = Math.floor((Date.now() - 3 * 24 * HOUR) / HOUR) * HOUR;
const variants = [
  { key: "control", weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];
const base = { label: "x", direction: "higher_is_better", cuped: true, description: "test" } as const;
const DEFS: MetricDefinition[] = [
  { ...base, name: "berlin_conversion", kind: "proportion", numerator: { type: "metric", name: "delivery", where: [{ property: "city", op: "eq", value: "berlin" }], aggregate: "any" } },
  {
    ...base,
    name: "late_spend",
    kind: "mean",
    numerator: { type: "metric", name: "delivery", where: [{ property: "late", op: "eq", value: true }], aggregate: "sum" },
    capping: { percentile: 0.9 },
  },
  {
    ...base,
    name: "failed_share",
    kind: "ratio",
    direction: "lower_is_better",
    cuped: false,
    numerator: { type: "metric", name: "delivery", where: [{ property: "status", op: "gte", value: 500 }], aggregate: "count" },
    denominator: { type: "metric", name: "delivery", where: [{ property: "city", op: "in", value: ["berlin", "paris"] }], aggregate: "count" },
    capping: { absolute: 3 },
  },
  {
    ...base,
    name: "map_p90",
    kind: "percentile",
    direction: "lower_is_better",
    cuped: false,
    numerator: { type: "page_load", where: [{ property: "page", op: "neq", value: "list" }], aggregate: "sum" },
    percentile: 0.9,
  },
  { ...base, name: "spend", kind: "mean", numerator: { type: "metric", name: "delivery", aggregate: "sum" } },
  { ...base, name: "spend_capped", kind: "mean", numerator: { type: "metric", name: "delivery", aggregate: "sum" }, capping: { percentile: 0.95 } },
];
const NAMES = DEFS.map((d) => d.name);

let seq = 0;
const CITIES = ["berlin", "paris", "rome"];

type Planted = {
  id: string;
  type: string;
  user_id: string;
  timestamp: string;
  experiment?: string;
  variant?: string;
  name?: string;
  value?: number;
  properties?: string;
};

/** Users of `key` with exposures (a few to both arms), deliveries (some before exposure) and page loads; `whales` users of the treatment spend hugely. */
function plant(key: string, rand: () => number, from: number, to: number, whales = 0): Planted[] {
  const rows: Planted[] = [];
  const ts = (ms: number) => new Date(ms).toISOString();
  for (let u = from; u < to; u++) {
    const user = `${key}-${u}`;
    const variant = u % 2 ? "treatment" : "control";
    const at = T0 + Math.floor(rand() * 30 * HOUR);
    rows.push({ id: `md${++seq}`, type: "exposure", user_id: user, experiment: key, variant, timestamp: ts(at) });
    if (u % 37 === 5) rows.push({ id: `md${++seq}`, type: "exposure", user_id: user, experiment: key, variant: u % 2 ? "control" : "treatment", timestamp: ts(at + HOUR) });
    const deliveries = Math.floor(rand() * 5);
    for (let k = 0; k < deliveries; k++) {
      const props = { city: CITIES[Math.floor(rand() * 3)], status: rand() < 0.2 ? 500 + Math.floor(rand() * 4) : 200, late: rand() < 0.4 };
      const whale = whales > 0 && variant === "treatment" && u < from + 2 * whales;
      const value = whale ? 50_000 + rand() * 1000 : Math.round(rand() * 100) / 4;
      rows.push({ id: `md${++seq}`, type: "metric", name: "delivery", user_id: user, value, properties: JSON.stringify(props), timestamp: ts(at + Math.floor((rand() - 0.2) * 10 * HOUR)) });
    }
    for (let k = 0; k < 3; k++) {
      if (rand() < 0.5)
        rows.push({
          id: `md${++seq}`,
          type: "page_load",
          user_id: user,
          value: 100 + Math.floor(rand() * 900),
          properties: JSON.stringify({ page: rand() < 0.5 ? "map" : "list" }),
          timestamp: ts(at + k * 1000),
        });
    }
    if (rand() < 0.3) rows.push({ id: `md${++seq}`, type: "metric", name: "other", user_id: user, value: 1, properties: JSON.stringify({ city: "berlin" }), timestamp: ts(at + 5) });
  }
  return rows;
}

// ---- the hand computation over the planted events ---------------------------------------------

const PRE_MS = 14 * 24 * HOUR;
/** ClickHouse's quantileExact: the element at floor(p · n) of the sorted values. */
const quantileExact = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

function matches(e: Planted, sel: MetricDefinition["numerator"]): boolean {
  if (e.type !== sel.type || (sel.name !== undefined && e.name !== sel.name)) return false;
  const props = JSON.parse(e.properties ?? "{}");
  return (sel.where ?? []).every((f) => {
    const has = f.property in props;
    const v = props[f.property];
    switch (f.op) {
      case "eq":
        return has && v === f.value;
      case "neq":
        return !(has && v === f.value);
      case "in":
        return has && (f.value as unknown[]).includes(v);
      case "gte":
        return has && v >= (f.value as number);
      default:
        throw new Error(`not planted: ${f.op}`);
    }
  });
}

interface Unit {
  variant: string;
  post: Planted[];
  pre: Planted[];
}

/** Single-variant exposed units with their deduplicated post-exposure and pre-period events. */
function units(key: string, rows: Planted[]): Unit[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const unique = [...byId.values()];
  const exposures = new Map<string, Planted[]>();
  for (const r of unique) if (r.type === "exposure" && r.experiment === key) exposures.set(r.user_id, [...(exposures.get(r.user_id) ?? []), r]);
  const out: Unit[] = [];
  for (const [user, exps] of exposures) {
    if (new Set(exps.map((e) => e.variant)).size > 1) continue;
    const first = Math.min(...exps.map((e) => Date.parse(e.timestamp)));
    const mine = unique.filter((r) => r.user_id === user && r.type !== "exposure");
    out.push({
      variant: exps[0].variant!,
      post: mine.filter((r) => Date.parse(r.timestamp) >= first),
      pre: mine.filter((r) => Date.parse(r.timestamp) < first && Date.parse(r.timestamp) >= first - PRE_MS),
    });
  }
  return out;
}

const value = (events: Planted[], sel: MetricDefinition["numerator"]) => {
  const xs = events.filter((e) => matches(e, sel));
  return sel.aggregate === "sum" ? xs.reduce((a, e) => a + (e.value ?? 1), 0) : sel.aggregate === "any" ? Number(xs.length > 0) : xs.length;
};

/** The pooled cap of one side: quantileExact of the non-zero unit values over both arms. */
function capOf(def: MetricDefinition, values: number[]): number {
  if (!def.capping) return Infinity;
  if ("absolute" in def.capping) return def.capping.absolute;
  return quantileExact(
    values.filter((x) => x !== 0),
    def.capping.percentile,
  );
}

/** Per arm, the statistics the pipeline must return for `def`, from the planted rows alone. */
function handArms(key: string, rows: Planted[], def: MetricDefinition): Record<string, any> {
  const us = units(key, rows);
  const out: Record<string, any> = {};
  if (def.kind === "percentile") {
    for (const v of ["control", "treatment"]) {
      const mine = us.filter((u) => u.variant === v);
      const per = mine.map((u) => u.post.filter((e) => matches(e, def.numerator)).map((e) => e.value!));
      const all = per.flat();
      const q = quantileExact(all, def.percentile!);
      const ind = per.map((xs) => xs.filter((x) => x <= q).length);
      out[v] = {
        n: mine.length,
        estimate: q,
        sumX: ind.reduce((a, b) => a + b, 0),
        sumY: all.length,
        sumX2: ind.reduce((a, b) => a + b * b, 0),
        sumXY: ind.reduce((a, b, i) => a + b * per[i].length, 0),
      };
    }
    return out;
  }
  const x = us.map((u) => value(u.post, def.numerator));
  const y = def.denominator ? us.map((u) => value(u.post, def.denominator!)) : [];
  const capX = capOf(def, x);
  const capY = def.denominator ? capOf(def, y) : Infinity;
  for (const v of ["control", "treatment"]) {
    const idx = us.flatMap((u, i) => (u.variant === v ? [i] : []));
    const xs = idx.map((i) => Math.min(x[i], capX));
    const sum = (a: number[]) => a.reduce((s, b) => s + b, 0);
    if (def.kind === "proportion") out[v] = { n: idx.length, successes: xs.filter((a) => a > 0).length, covariate: idx.filter((i) => value(us[i].pre, def.numerator) > 0).length };
    else if (def.kind === "mean") out[v] = { n: idx.length, sumX: sum(xs), sumX2: sum(xs.map((a) => a * a)), cap: capX, raw: idx.map((i) => x[i]) };
    else {
      const ys = idx.map((i) => Math.min(y[i], capY));
      out[v] = { n: idx.length, sumX: sum(xs), sumY: sum(ys), sumX2: sum(xs.map((a) => a * a)), sumY2: sum(ys.map((a) => a * a)), sumXY: sum(xs.map((a, k) => a * ys[k])) };
    }
  }
  return out;
}

const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

/** The pipeline's arms of `def` against the hand computation, to 1e-9 relative. */
function expectHand(s: MetricSummaries, key: string, rows: Planted[], def: MetricDefinition): void {
  const hand = handArms(key, rows, def);
  for (const v of ["control", "treatment"]) {
    const a: any = s.metrics[def.name][v];
    const h = hand[v];
    const at = `${def.name}.${v}`;
    if (def.kind === "proportion") {
      expect(a.proportion, at).toEqual({ n: h.n, successes: h.successes });
      expect(a.cuped.covariateSum, at).toBe(h.covariate);
    } else if (def.kind === "mean") {
      // centred sums (sums of x − shift): Σx = sum + n·k, Σx² = sq + 2k·sum + n·k²
      const k = a.mean.shift ?? 0;
      expect(a.mean.n, at).toBe(h.n);
      close(a.mean.sum + a.mean.n * k, h.sumX, `${at} Σx`);
      close(a.mean.sumSquares + 2 * k * a.mean.sum + a.mean.n * k * k, h.sumX2, `${at} Σx²`);
      // and exactly analysis' winsorized mean of the raw unit values at the cap, centred by the same shift
      const capped = cappedMean(h.raw, { upper: h.cap, ...(a.mean.shift !== undefined ? { shift: k } : {}) });
      close(a.mean.sum, capped.sum, `${at} capped Σ`);
      close(a.mean.sumSquares, capped.sumSquares, `${at} capped Σ²`);
    } else if (def.kind === "ratio") {
      expect(a.ratio.n, at).toBe(h.n);
      for (const f of ["sumX", "sumY", "sumX2", "sumY2", "sumXY"]) close(a.ratio[f], h[f], `${at} ${f}`);
    } else {
      expect(a.quantile.estimate, at).toBe(h.estimate);
      expect(a.quantile.indicator, at).toEqual({ n: h.n, sumX: h.sumX, sumY: h.sumY, sumX2: h.sumX2, sumY2: a.quantile.indicator.sumY2, sumXY: h.sumXY });
      expect(a.views, at).toBe(h.sumY);
    }
  }
}

const read = (key: string, source?: "rollup" | "events") =>
  getMetricSummaries({
    experiment: { key, variants, metrics: { primary: "late_spend", secondary: NAMES } },
    metrics: NAMES,
    buckets: { origin: T0 - HOUR, width: HOUR, count: 48 },
    seriesMetric: "late_spend",
    source,
  });

beforeAll(async () => {
  await setupStores();
  setStoredMetricDefinitions(DEFS);
});
afterAll(() => setStoredMetricDefinitions([]));

describe("metric definitions", () => {
  it("proportion, mean, ratio and percentile with where filters and capping: rollup = raw-event pass = hand computation", async () => {
    const key = "defs-kinds";
    const rows = plant(key, mulberry32(7), 0, 300);
    await chInsert("events", rows);
    await chInsert(
      "events",
      rows.filter((_, i) => i % 6 === 0),
    ); // client retries
    const fromRollup = await read(key);
    expect(fromRollup.served.source).toBe("rollup");
    expectSameNumbers(fromRollup, await read(key, "events"));
    for (const def of DEFS) expectHand(fromRollup, key, rows, def);
    // the filters select something, and the caps cap something
    const hand = handArms(key, rows, DEFS[1]);
    expect(hand.treatment.cap).toBeGreaterThan(0);
    expect((fromRollup.metrics.failed_share.treatment as any).ratio.sumX).toBeGreaterThan(0);
    expect((fromRollup.metrics.berlin_conversion.control as any).proportion.successes).toBeGreaterThan(0);
    // the series of a capped mean primary ends at the capped sums
    const last = fromRollup.series!.arms.treatment.sums.s_sum.at(-1)!;
    close(last, hand.treatment.sumX, "late_spend series");
  }, 60_000);

  it("capping at a pooled percentile tames a few whales: the capped comparison is the hand computation's", async () => {
    const key = "defs-whales";
    const rows = plant(key, mulberry32(11), 0, 400, 3);
    await chInsert("events", rows);
    const s = await read(key);
    expectSameNumbers(s, await read(key, "events"));
    const spend = DEFS.find((d) => d.name === "spend")!;
    const capped = DEFS.find((d) => d.name === "spend_capped")!;
    expectHand(s, key, rows, spend);
    expectHand(s, key, rows, capped);
    const mean = (name: string, v: string) => {
      const m = (s.metrics[name][v] as any).mean;
      return (m.shift ?? 0) + m.sum / m.n;
    };
    // uncapped, three whales (≈ 50,000 per delivery) multiply the treatment's mean spend; capped at
    // the pooled p95 the arms are alike again (both drawn from the same ordinary spend)
    expect(mean("spend", "treatment") / mean("spend", "control")).toBeGreaterThan(10);
    expect(Math.abs(mean("spend_capped", "treatment") / mean("spend_capped", "control") - 1)).toBeLessThan(0.5);
  }, 60_000);

  it("random interleavings of batches, retries, late exposures and rollup reads match the raw-event pass and the hand computation", async () => {
    for (const seed of [1, 2]) {
      const key = `defs-interleaved-${seed}`;
      const rand = mulberry32(100 + seed);
      const all: Planted[] = [];
      let next = 0;
      for (let step = 0; step < 12; step++) {
        const r = rand();
        if (r < 0.45) {
          const batch = plant(key, rand, next, next + 20 + Math.floor(rand() * 20));
          next += 40;
          await chInsert("events", batch);
          all.push(...batch);
        } else if (r < 0.6 && all.length > 0) {
          const retry = all.filter(() => rand() < 0.1);
          await chInsert("events", retry);
        } else if (r < 0.75 && next > 0) {
          // new deliveries of known users, and a late (earlier) exposure of one of them
          const u = Math.floor(rand() * next);
          const user = `${key}-${u}`;
          const extra: Planted[] = [
            {
              id: `md${++seq}`,
              type: "metric",
              name: "delivery",
              user_id: user,
              value: 7,
              properties: JSON.stringify({ city: "paris", status: 503, late: true }),
              timestamp: new Date(T0 + 20 * HOUR).toISOString(),
            },
            { id: `md${++seq}`, type: "exposure", user_id: user, experiment: key, variant: u % 2 ? "treatment" : "control", timestamp: new Date(T0 - HOUR).toISOString() },
          ];
          await chInsert("events", extra);
          all.push(...extra);
        } else if (all.length > 0) {
          const s = await read(key);
          expect(s.served.source, `seed ${seed} step ${step}`).not.toBe("events");
          expectSameNumbers(s, await read(key, "events"), `seed ${seed} step ${step}`);
        }
      }
      const s = await read(key);
      expectSameNumbers(s, await read(key, "events"), `seed ${seed} end`);
      for (const def of DEFS) expectHand(s, key, all, def);
    }
  }, 120_000);
});
