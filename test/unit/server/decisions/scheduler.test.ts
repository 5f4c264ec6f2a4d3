// The evaluator's queue on its own (no stores): coalescing, no overlap per experiment, bounded
// concurrency, and round-robin fairness between a busy experiment and quiet ones.
import { describe, expect, it } from "vitest";
import type { DecisionView, EvaluationTrigger } from "@/server/decisions/record";
import { EvaluationScheduler, QUIET_MS } from "@/server/decisions/scheduler";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(opts: { concurrency: number; minIntervalMs: number; evalMs: number; quietExtra?: number }) {
  const log: { key: string; trigger: EvaluationTrigger; start: number; end: number }[] = [];
  let active = 0;
  let maxActive = 0;
  const activeByKey = new Map<string, number>();
  let overlapSameKey = false;
  const t0 = Date.now();
  const s = new EvaluationScheduler({
    concurrency: opts.concurrency,
    quietExtra: opts.quietExtra,
    minIntervalMs: opts.minIntervalMs,
    evaluate: async (key, trigger) => {
      active++;
      maxActive = Math.max(maxActive, active);
      const n = (activeByKey.get(key) ?? 0) + 1;
      activeByKey.set(key, n);
      if (n > 1) overlapSameKey = true;
      const start = Date.now() - t0;
      await sleep(opts.evalMs);
      activeByKey.set(key, n - 1);
      active--;
      log.push({ key, trigger, start, end: Date.now() - t0 });
      return { id: `${key}-${log.length}`, trigger } as unknown as DecisionView;
    },
  });
  return { s, log, stats: () => ({ maxActive, overlapSameKey }) };
}

describe("EvaluationScheduler", () => {
  it("coalesces marks: the first mark starts at once, the 49 after it share ONE evaluation a full interval later", async () => {
    const { s, log, stats } = harness({ concurrency: 2, minIntervalMs: 200, evalMs: 20 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => s.mark("a", "events")));
    expect(log).toHaveLength(2);
    expect(log[1].start - log[0].start).toBeGreaterThanOrEqual(195);
    expect(new Set(outcomes.slice(1).map((o) => o.decision?.id)).size).toBe(1);
    expect(outcomes[0].decision?.id).not.toBe(outcomes[1].decision?.id);
    expect(stats().overlapSameKey).toBe(false);
  });

  it("never runs two evaluations of one experiment at once, and never more than the concurrency", async () => {
    const { s, log, stats } = harness({ concurrency: 2, minIntervalMs: 0, evalMs: 15 });
    const marks: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      marks.push(s.mark(`k${i % 3}`, "events"));
      await sleep(3);
    }
    await Promise.all(marks);
    expect(stats().overlapSameKey).toBe(false);
    expect(stats().maxActive).toBe(2);
    expect(log.length).toBeGreaterThan(3);
  });

  it("a busy experiment re-marked all the time does not starve 20 quiet ones", async () => {
    const { s, log } = harness({ concurrency: 1, minIntervalMs: 0, evalMs: 5 });
    let busy = true;
    const hammer = (async () => {
      while (busy) {
        void s.mark("busy", "events");
        await sleep(1);
      }
    })();
    await sleep(20);
    const quiet = await Promise.all(Array.from({ length: 20 }, (_, i) => s.mark(`quiet-${i}`, "timer")));
    busy = false;
    await hammer;
    expect(quiet.every((o) => o.decision)).toBe(true);
    // between two evaluations of the busy one, the queue served every quiet one waiting before it
    const order = log.map((l) => l.key);
    const firstQuiet = order.findIndex((k) => k.startsWith("quiet"));
    const lastQuiet = order.length - 1 - [...order].reverse().findIndex((k) => k.startsWith("quiet"));
    const busyBetween = order.slice(firstQuiet, lastQuiet + 1).filter((k) => k === "busy").length;
    expect(busyBetween).toBeLessThanOrEqual(2);
    expect(log.find((l) => l.key === "quiet-0")?.trigger).toBe("timer");
  });

  it("starts a quiet experiment's evaluation at once on a quiet worker while every plain worker is busy, and never a busy one there", async () => {
    const { s, log, stats } = harness({ concurrency: 1, quietExtra: 1, minIntervalMs: 0, evalMs: 40 });
    await s.mark("busy", "events"); // evaluated once: its next marks are not quiet
    const busyAgain = [s.mark("busy", "events"), s.mark("other", "timer")]; // takes the one plain worker; the timer mark waits for it
    await sleep(5);
    const quiet = s.mark("quiet", "events");
    await Promise.all([...busyAgain, quiet]);
    const at = (key: string) => log.find((l, i) => l.key === key && (key !== "busy" || i > 0))!;
    expect(at("quiet").start).toBeLessThan(at("busy").end); // ran beside the busy one
    expect(at("other").start).toBeGreaterThanOrEqual(at("busy").end - 1); // a timer mark is not quiet: it waited
    expect(stats().maxActive).toBe(2);
  });

  it("an experiment marked for the first time in a while goes before busy ones queued ahead of it", async () => {
    const { s, log } = harness({ concurrency: 1, minIntervalMs: 0, evalMs: 10 });
    // ten busy experiments, each evaluated once already and queued again
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.mark(`busy-${i}`, "events")));
    const again = Array.from({ length: 10 }, (_, i) => s.mark(`busy-${i}`, "events"));
    const quiet = s.mark("quiet", "events");
    await Promise.all([...again, quiet]);
    const order = log.slice(10).map((l) => l.key);
    // busy-0 was already running when the quiet one was marked; the quiet one is next
    expect(order.indexOf("quiet")).toBeLessThanOrEqual(1);
    expect(order.filter((k) => k.startsWith("busy"))).toHaveLength(10);
  });

  it("keeps the first trigger of a queued entry, and stop() skips what is queued", async () => {
    const { s } = harness({ concurrency: 1, minIntervalMs: 0, evalMs: 30 });
    const first = s.mark("x", "events");
    const queuedA = s.mark("y", "timer");
    const queuedB = s.mark("y", "events");
    expect((await first).trigger).toBe("events");
    expect((await queuedA).decision?.trigger).toBe("timer");
    expect((await queuedB).decision?.id).toBe((await queuedA).decision?.id);
    const running = s.mark("z", "events");
    const skipped = s.mark("w", "events");
    s.stop();
    await s.settled();
    expect((await skipped).skipped).toBe(true);
    expect((await running).decision).toBeDefined();
  });

  it("an evaluation that throws is reported, and the queue goes on", async () => {
    let calls = 0;
    const s = new EvaluationScheduler({
      concurrency: 1,
      minIntervalMs: 0,
      evaluate: async (key) => {
        calls++;
        if (key === "bad") throw new Error("boom");
        return { id: key } as unknown as DecisionView;
      },
    });
    const [bad, good] = await Promise.all([s.mark("bad", "timer"), s.mark("good", "timer")]);
    expect(bad.error).toBe("boom");
    expect(good.decision?.id).toBe("good");
    expect(calls).toBe(2);
    expect(s.stats.failures).toBe(1);
  });
});

describe("EvaluationScheduler's quiet flag", () => {
  it("marks an events evaluation quiet after a quiet spell (or the first one), not a busy experiment's next one nor a timer pass", async () => {
    let t = 100_000;
    const seen: { key: string; trigger: EvaluationTrigger; quiet: boolean }[] = [];
    const s = new EvaluationScheduler({
      concurrency: 1,
      minIntervalMs: 0,
      now: () => t,
      evaluate: async (key, trigger, { quiet }) => {
        seen.push({ key, trigger, quiet });
        return { id: key } as unknown as DecisionView;
      },
    });
    await s.mark("a", "events"); // never evaluated: quiet
    t += 1_000;
    await s.mark("a", "events"); // 1 s after its last start: busy
    t += 4_999;
    await s.mark("a", "events"); // still within QUIET_MS of the last start
    t += QUIET_MS;
    await s.mark("a", "events"); // a quiet spell
    await s.mark("b", "timer"); // a timer pass is never "quiet"
    expect(seen.map((x) => x.quiet)).toEqual([true, false, false, true, false]);
  });
});

describe("EvaluationScheduler's stored → decision latency", () => {
  it("measures each decision from the earliest stored rows among the marks it served, and only decisions that served such marks", async () => {
    let t = 50_000;
    const observed: { ms: number; key: string }[] = [];
    const gate: (() => void)[] = [];
    const s = new EvaluationScheduler({
      concurrency: 2,
      minIntervalMs: 0,
      now: () => t,
      onStoredToDecision: (ms, key) => observed.push({ ms, key }),
      evaluate: async (key) => {
        await new Promise<void>((r) => gate.push(r));
        return key === "held" ? null : ({ id: key } as unknown as DecisionView);
      },
    });
    const flush = async () => {
      await new Promise((r) => setImmediate(r));
      for (const open of gate.splice(0)) open();
      await new Promise((r) => setImmediate(r));
    };
    // a starts at once (stored 300 ms ago); marks while it runs queue for the next evaluation
    const first = s.mark("a", "events", t - 300);
    const later = s.mark("a", "events", t - 100); // stored after a's first evaluation started
    const laterStill = s.mark("a", "events", t - 50);
    const timerOnly = s.mark("b", "timer"); // no stored rows behind it: no latency
    t += 700;
    await flush();
    expect((await first).storedToDecisionMs).toBe(1_000);
    expect((await timerOnly).storedToDecisionMs).toBeUndefined();
    t += 500;
    await flush();
    // the second evaluation serves both later marks: measured from the earlier of the two
    expect((await later).storedToDecisionMs).toBe(1_300);
    expect((await laterStill).storedToDecisionMs).toBe(1_300);
    // no decision (the experiment was not evaluable): nothing observed
    const held = s.mark("held", "events", t - 10);
    const other = s.mark("d", "timer");
    // both workers busy: a timer mark queues, and an events mark with stored rows joins it; the
    // evaluation serving both is measured (the rows are what count, not the trigger recorded)
    const joinedTimer = s.mark("c", "timer");
    const joinedEvents = s.mark("c", "events", t - 200);
    t += 400;
    await flush();
    expect((await held).skipped).toBe(true);
    expect((await other).storedToDecisionMs).toBeUndefined();
    t += 100;
    await flush();
    expect((await joinedTimer).decision?.trigger ?? (await joinedTimer).trigger).toBe("timer");
    expect((await joinedTimer).storedToDecisionMs).toBe(700);
    expect((await joinedEvents).storedToDecisionMs).toBe(700);
    expect(observed).toEqual([
      { ms: 1_000, key: "a" },
      { ms: 1_300, key: "a" },
      { ms: 700, key: "c" },
    ]);
  });
});
