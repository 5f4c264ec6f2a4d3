// The blue-green bake's paired before/after sums (src/server/decisions/bake.sql.ts) on the real chDB,
// against the same numbers computed from scratch over the inserted events: only users exposed
// before the switch, to the previous live side only; windows split at the switch; duplicates once.
import { beforeAll, describe, expect, it } from "vitest";
import { chInsert } from "@/db/clickhouse/client";
import { loadBakeInputs } from "@/server/decisions/bake";
import type { Experiment } from "@/server/experiments/types";
import { mulberry32 } from "./helpers/analysis/random";
import { setupStores } from "./helpers/app";

beforeAll(setupStores);

const MIN = 60_000;
const SWITCH = Date.now() - 20 * MIN;
const KEY = "bake-sql";
type Ev = { id: string; type: string; user_id: string; experiment?: string; variant?: string; value?: number; timestamp: string };

function experiment(): Experiment {
  return {
    key: KEY,
    strategy: "blue_green",
    treatment: "green",
    rollout: { bakeMinutes: 30 },
    state: {
      stageIndex: 0,
      exposure: 100,
      live: "green",
      enabled: true,
      shipped: null,
      stageStartedAt: new Date(SWITCH).toISOString(),
      phase: "bake",
      switchedAt: new Date(SWITCH).toISOString(),
      previousLive: "blue",
    },
  } as unknown as Experiment;
}

describe("bake paired sums", () => {
  it("match a from-scratch computation over the same events", async () => {
    const rand = mulberry32(7);
    const events: Ev[] = [];
    let seq = 0;
    const at = (ms: number) => new Date(ms).toISOString();
    const push = (type: string, user: string, ms: number, extra: Partial<Ev> = {}) => events.push({ id: `bk-${++seq}`, type, user_id: user, timestamp: at(ms), ...extra });
    const kinds = ["blue", "blue", "blue", "green-verifier", "after-only", "blue-then-green", "other-experiment"];
    for (let u = 0; u < 140; u++) {
      const user = `bk-u${u}`;
      const kind = kinds[u % kinds.length];
      const exposedAt = SWITCH - (5 + rand() * 50) * MIN;
      if (kind === "blue" || kind === "blue-then-green") push("exposure", user, exposedAt, { experiment: KEY, variant: "blue" });
      if (kind === "blue-then-green") push("exposure", user, SWITCH + MIN, { experiment: KEY, variant: "green" });
      if (kind === "green-verifier") push("exposure", user, exposedAt, { experiment: KEY, variant: "green" });
      if (kind === "after-only") push("exposure", user, SWITCH + 2 * MIN, { experiment: KEY, variant: "green" });
      if (kind === "other-experiment") push("exposure", user, exposedAt, { experiment: "something-else", variant: "blue" });
      // traffic from 70 minutes before the switch (outside the 60-minute baseline) to 19 minutes after
      const count = Math.floor(rand() * 12);
      for (let i = 0; i < count; i++) {
        const ms = SWITCH + (-70 + rand() * 89) * MIN;
        const r = rand();
        if (r < 0.45) push("request", user, ms);
        else if (r < 0.6) push("error", user, ms);
        else push("page_load", user, ms, { value: Math.round(300 + rand() * 900) });
      }
    }
    await chInsert("events", events);
    await chInsert("events", events.slice(0, 200)); // a retried batch: same ids, counted once

    const inputs = await loadBakeInputs(experiment(), new Date());
    expect(inputs).not.toBeNull();

    // from scratch
    const baselineFrom = SWITCH - 60 * MIN;
    const users = new Map<string, Set<string>>();
    for (const e of events) if (e.type === "exposure" && e.experiment === KEY && Date.parse(e.timestamp) < SWITCH) users.set(e.user_id, (users.get(e.user_id) ?? new Set()).add(e.variant!));
    const eligible = [...users].filter(([, v]) => v.size === 1 && v.has("blue")).map(([u]) => u);
    const sums = (value: (u: string, before: boolean) => number | null) => {
      const s = { n: 0, sumBefore: 0, sumAfter: 0, sumSqBefore: 0, sumSqAfter: 0, sumProduct: 0 };
      for (const u of eligible) {
        const b = value(u, true);
        const a = value(u, false);
        if (b === null || a === null) continue;
        s.n++;
        s.sumBefore += b;
        s.sumAfter += a;
        s.sumSqBefore += b * b;
        s.sumSqAfter += a * a;
        s.sumProduct += a * b;
      }
      return s;
    };
    const inWindow = (e: Ev, u: string, before: boolean) => {
      const t = Date.parse(e.timestamp);
      return e.user_id === u && t >= baselineFrom && (before ? t < SWITCH : t >= SWITCH);
    };
    const errorRate = sums((u, before) => {
      const req = events.filter((e) => e.type === "request" && inWindow(e, u, before)).length;
      const err = events.filter((e) => e.type === "error" && inWindow(e, u, before)).length;
      return req > 0 ? err / req : null;
    });
    const loadTime = sums((u, before) => {
      const v = events.filter((e) => e.type === "page_load" && inWindow(e, u, before)).map((e) => e.value!);
      return v.length > 0 ? v.reduce((x, y) => x + y, 0) / v.length : null;
    });
    expect(inputs!.usersBefore).toBe(eligible.length);
    expect(errorRate.n).toBeGreaterThan(10);
    expect(loadTime.n).toBeGreaterThan(10);
    for (const [name, expected] of [
      ["error_rate", errorRate],
      ["page_load_time", loadTime],
    ] as const) {
      const got = inputs!.metrics[name];
      expect(got.n, name).toBe(expected.n);
      for (const k of ["sumBefore", "sumAfter", "sumSqBefore", "sumSqAfter", "sumProduct"] as const) expect(got[k], `${name}.${k}`).toBeCloseTo(expected[k], 6);
    }
    expect(inputs).toMatchObject({ previousLive: "blue", live: "green", bakeMinutes: 30, baselineFrom: new Date(baselineFrom).toISOString() });
  });
});
