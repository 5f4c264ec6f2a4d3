// The evaluator's work queue: experiments marked dirty (by newly stored events, or by the timer's
// pass) are evaluated by a bounded worker, fairly and coalesced:
//   * fair: the next evaluation is the queued experiment evaluated longest ago (never evaluated
//     first; ties in marking order). A busy experiment, marked again and again, waits behind every
//     other queued one, and an experiment whose first events in a while arrive goes first: its
//     latency is one evaluation, not a round over every busy experiment;
//   * at most `concurrency` evaluations at once, never two of one experiment;
//   * at most one start per experiment per `minIntervalMs` (marks in between join the next one).
// Pure scheduling, no I/O: the evaluation itself is the `evaluate` function it is given.
import type { DecisionView, EvaluationTrigger } from "./record";

export interface Outcome {
  key: string;
  trigger: EvaluationTrigger;
  decision?: DecisionView;
  error?: string;
  /** the evaluation did not run (e.g. the experiment is no longer running) */
  skipped?: boolean;
  /** ms from the first mark to the end of the evaluation */
  latencyMs: number;
  /** ms from the earliest stored rows among the marks it served (mark's `storedAt`) to the end of the evaluation */
  storedToDecisionMs?: number;
}

export interface SchedulerOptions {
  concurrency: number;
  /**
   * this many more evaluations may run at once when they are quiet ones (below): a quiet experiment's
   * first events in a while are the latency that shows, and they should not wait for a worker to free
   */
  quietExtra?: number;
  minIntervalMs: number;
  /** `quiet`: triggered by events after a quiet spell (no evaluation started in the QUIET_MS before the mark) */
  evaluate: (key: string, trigger: EvaluationTrigger, info: { quiet: boolean }) => Promise<DecisionView | null>;
  /** each decision that served marks with a `storedAt`: ms from the earliest of those rows being stored to the decision */
  onStoredToDecision?: (ms: number, key: string) => void;
  now?: () => number;
}

interface Entry {
  trigger: EvaluationTrigger;
  markedAt: number;
  /** the earliest `storedAt` of the marks it serves */
  storedAt?: number;
  waiters: ((o: Outcome) => void)[];
}

export interface SchedulerStats {
  queued: number;
  running: number;
  evaluations: Record<EvaluationTrigger, number>;
  failures: number;
  /** latency (first mark → decision stored) of the most recent evaluations triggered by events */
  lastEventLatencyMs: number | null;
}

/**
 * An experiment marked by events this long after its last evaluation started had been quiet: its
 * evaluation is the one whose latency shows (a busy experiment is re-marked at once).
 */
export const QUIET_MS = 5_000;

export class EvaluationScheduler {
  private readonly queue = new Map<string, Entry>();
  private readonly running = new Set<string>();
  private readonly lastStart = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly now: () => number;
  readonly stats: SchedulerStats = { queued: 0, running: 0, evaluations: { timer: 0, events: 0, manual: 0 }, failures: 0, lastEventLatencyMs: null };

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Asks for an evaluation of `key` (the first trigger of a queued entry is the one recorded).
   * Resolves with the outcome of the evaluation that serves this mark. `storedAt` (epoch ms): when the
   * rows that caused the mark were stored, for the stored → decision latency.
   */
  mark(key: string, trigger: EvaluationTrigger, storedAt?: number): Promise<Outcome> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve({ key, trigger, skipped: true, latencyMs: 0 });
      let entry = this.queue.get(key);
      if (!entry) {
        entry = { trigger, markedAt: this.now(), waiters: [] };
        this.queue.set(key, entry);
      }
      if (storedAt !== undefined) entry.storedAt = Math.min(entry.storedAt ?? Infinity, storedAt);
      entry.waiters.push(resolve);
      this.pump();
    });
  }

  isQueued(key: string): boolean {
    return this.queue.has(key) || this.running.has(key);
  }

  /** Stops starting evaluations; queued marks resolve as skipped. Running ones finish. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const [key, entry] of this.queue) for (const w of entry.waiters) w({ key, trigger: entry.trigger, skipped: true, latencyMs: 0 });
    this.queue.clear();
  }

  private pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    let wakeAt = Infinity;
    while (this.running.size < this.opts.concurrency + (this.opts.quietExtra ?? 0)) {
      // the ready entry whose experiment was evaluated longest ago (never: first), ties in marking order
      const full = this.running.size >= this.opts.concurrency;
      let best: string | undefined;
      let bestLast = Infinity;
      wakeAt = Infinity;
      const now = this.now();
      for (const [key, entry] of this.queue) {
        if (this.running.has(key) || (full && !this.isQuiet(key, entry))) continue;
        const last = this.lastStart.get(key) ?? -Infinity;
        if (last + this.opts.minIntervalMs > now) {
          wakeAt = Math.min(wakeAt, last + this.opts.minIntervalMs);
          continue;
        }
        if (best === undefined || last < bestLast) {
          best = key;
          bestLast = last;
        }
      }
      if (best === undefined) break;
      const entry = this.queue.get(best) as Entry;
      this.queue.delete(best);
      this.start(best, entry);
    }
    if (wakeAt < Infinity && this.running.size < this.opts.concurrency) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, wakeAt - this.now()));
      this.timer.unref();
    }
    this.stats.queued = this.queue.size;
    this.stats.running = this.running.size;
  }

  private isQuiet(key: string, entry: Entry): boolean {
    const previous = this.lastStart.get(key);
    return entry.trigger === "events" && (previous === undefined || entry.markedAt - previous >= QUIET_MS);
  }

  private start(key: string, entry: Entry): void {
    this.running.add(key);
    const quiet = this.isQuiet(key, entry);
    this.lastStart.set(key, this.now());
    const done = (o: Omit<Outcome, "key" | "trigger" | "latencyMs">) => {
      const now = this.now();
      const outcome: Outcome = { key, trigger: entry.trigger, ...o, latencyMs: now - entry.markedAt };
      if (o.decision && entry.storedAt !== undefined) {
        outcome.storedToDecisionMs = now - entry.storedAt;
        this.opts.onStoredToDecision?.(outcome.storedToDecisionMs, key);
      }
      if (o.decision) this.stats.evaluations[entry.trigger]++;
      if (o.error) this.stats.failures++;
      if (o.decision && entry.trigger === "events") this.stats.lastEventLatencyMs = outcome.latencyMs;
      this.running.delete(key);
      for (const w of entry.waiters) w(outcome);
      this.pump();
    };
    const p = this.opts.evaluate(key, entry.trigger, { quiet }).then(
      (decision) => done(decision ? { decision } : { skipped: true }),
      (err: unknown) => done({ error: (err as Error)?.message ?? String(err) }),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Resolves when no evaluation is running (after stop(): when the last one has finished). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight);
  }
}
