// The stored → decision window of the evaluator (health and the benchmark read it): against a
// from-scratch computation over every sample ever added, with adds, clock jumps and reads
// interleaved at random; and the rule that turns health `degraded`.
import { quantileSorted } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { boundProblem, LatencyWindow, MIN_EVALUATIONS_FOR_VERDICT, STORED_TO_DECISION_BOUND_MS, type StoredToDecisionSummary } from "@/server/decisions/latency";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("LatencyWindow", () => {
  it("matches a from-scratch summary of the newest samples inside the window, under random interleavings", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const windowMs = 1_000 + Math.floor(r() * 60_000);
      const capacity = 5 + Math.floor(r() * 200);
      const w = new LatencyWindow(windowMs, capacity);
      const all: { at: number; ms: number }[] = [];
      let now = 1_700_000_000_000;
      for (let step = 0; step < 600; step++) {
        const op = r();
        if (op < 0.6) {
          const ms = r() < 0.1 ? Math.floor(r() * 30_000) : Math.floor(r() * 3_000);
          w.add(now, ms);
          all.push({ at: now, ms });
        } else if (op < 0.85) {
          now += Math.floor(r() * (r() < 0.1 ? 3 * windowMs : windowMs / 20));
        } else {
          const kept = all.slice(-capacity).filter((x) => x.at > now - windowMs);
          const sorted = kept.map((x) => x.ms).sort((a, b) => a - b);
          const expected: StoredToDecisionSummary = {
            windowSeconds: windowMs / 1000,
            boundMs: STORED_TO_DECISION_BOUND_MS,
            evaluations: sorted.length,
            withinBound: sorted.filter((x) => x <= STORED_TO_DECISION_BOUND_MS).length,
            p50Ms: sorted.length ? Math.round(quantileSorted(sorted, 0.5)) : null,
            p99Ms: sorted.length ? Math.round(quantileSorted(sorted, 0.99)) : null,
            maxMs: sorted.length ? sorted[sorted.length - 1] : null,
          };
          expect(w.summary(now), `seed ${seed} step ${step}`).toEqual(expected);
          expect(w.size).toBeLessThanOrEqual(capacity);
        }
      }
    }
  });

  it("forgets everything older than the window, and holds at most its capacity", () => {
    const w = new LatencyWindow(10_000, 100);
    for (let i = 0; i < 1_000; i++) w.add(1_000 + i, i);
    expect(w.size).toBe(100);
    expect(w.summary(2_000)).toMatchObject({ evaluations: 100, maxMs: 999, p50Ms: 950 });
    expect(w.summary(1_000 + 999 + 10_000)).toMatchObject({ evaluations: 0, p50Ms: null, p99Ms: null, maxMs: null });
    expect(w.size).toBe(0);
  });
});

describe("boundProblem", () => {
  const summary = (evaluations: number, withinBound: number): StoredToDecisionSummary => ({
    windowSeconds: 300,
    boundMs: 2_000,
    evaluations,
    withinBound,
    p50Ms: 1_200,
    p99Ms: 4_800,
    maxMs: 5_000,
  });

  it("says nothing below 20 evaluations, or while 95 % of them met the bound", () => {
    expect(boundProblem(summary(MIN_EVALUATIONS_FOR_VERDICT - 1, 0))).toBeNull();
    expect(boundProblem(summary(20, 19))).toBeNull();
    expect(boundProblem(summary(200, 190))).toBeNull();
  });

  it("names the miss with its figures once more than 5 % of at least 20 evaluations missed", () => {
    expect(boundProblem(summary(20, 18))).toBe(
      "event-driven evaluations are missing the 2 s time-to-safety bound: 18 of 20 in the last 5 min decided within it (stored events → decision p50 1.2 s, p99 4.8 s); the event store cannot keep up with this load (a ClickHouse server: CLICKHOUSE_URL)",
    );
    expect(boundProblem(summary(200, 189))).toMatch(/189 of 200/);
  });
});
