// Time to safety as it happens: how long this instance takes from events being stored to the
// decision that saw them (issue 13's bound: ≤ 2 s). The benchmark measures it on a planted load;
// this measures it on the real one, so that an operator sees when the event store's engine cannot
// keep up (decisions/README.md "Evaluator": at 100 experiments × 100k users with ten of them
// streaming, embedded chDB on two cores misses it) instead of finding out at the next incident.
// No clock of its own (given), no I/O.
import { quantileSorted } from "simple-statistics";
import { processSingleton } from "@/core/process-singleton";

/** The bound event-driven evaluation is held to, stored rows → decision (ms). */
export const STORED_TO_DECISION_BOUND_MS = 2_000;
/** Health turns `degraded` when fewer than this share of the window's evaluations met the bound… */
export const WITHIN_BOUND_MIN_SHARE = 0.95;
/** …over at least this many evaluations (one cold rollup build after a restart is not a trend). */
export const MIN_EVALUATIONS_FOR_VERDICT = 20;

export interface StoredToDecisionSummary {
  windowSeconds: number;
  boundMs: number;
  evaluations: number;
  withinBound: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/**
 * The latencies of the last `windowMs`, at most `capacity` of them (the newest): memory stays
 * bounded whatever the evaluation rate (4,096 samples ≈ 14 per second over 5 minutes).
 */
export class LatencyWindow {
  private readonly at: number[] = [];
  private readonly ms: number[] = [];

  constructor(
    private readonly windowMs = 300_000,
    private readonly capacity = 4_096,
  ) {}

  add(now: number, latencyMs: number): void {
    this.at.push(now);
    this.ms.push(latencyMs);
    if (this.at.length > this.capacity) this.drop(this.at.length - this.capacity);
  }

  get size(): number {
    return this.at.length;
  }

  summary(now: number, boundMs = STORED_TO_DECISION_BOUND_MS): StoredToDecisionSummary {
    let old = 0;
    while (old < this.at.length && this.at[old] <= now - this.windowMs) old++;
    this.drop(old);
    const sorted = [...this.ms].sort((a, b) => a - b);
    const n = sorted.length;
    const round = (x: number) => Math.round(x);
    return {
      windowSeconds: this.windowMs / 1000,
      boundMs,
      evaluations: n,
      withinBound: sorted.filter((x) => x <= boundMs).length,
      p50Ms: n ? round(quantileSorted(sorted, 0.5)) : null,
      p99Ms: n ? round(quantileSorted(sorted, 0.99)) : null,
      maxMs: n ? round(sorted[n - 1]) : null,
    };
  }

  private drop(k: number): void {
    if (k <= 0) return;
    this.at.splice(0, k);
    this.ms.splice(0, k);
  }
}

/** The health problem a window shows, if any: too many evaluations missed the bound. */
export function boundProblem(s: StoredToDecisionSummary): string | null {
  if (s.evaluations < MIN_EVALUATIONS_FOR_VERDICT || s.withinBound >= WITHIN_BOUND_MIN_SHARE * s.evaluations) return null;
  return (
    `event-driven evaluations are missing the ${s.boundMs / 1000} s time-to-safety bound: ${s.withinBound} of ${s.evaluations} in the last ` +
    `${s.windowSeconds / 60} min decided within it (stored events → decision p50 ${((s.p50Ms ?? 0) / 1000).toFixed(1)} s, p99 ${((s.p99Ms ?? 0) / 1000).toFixed(1)} s); ` +
    `the event store cannot keep up with this load (a ClickHouse server: CLICKHOUSE_URL)`
  );
}

type Observer = (seconds: number) => void;
// One list per process even if the bundler duplicates this module (instrumentation vs routes).
const observers = processSingleton<Observer[]>("decisions.storedToDecisionObservers", () => []);

/** Monitoring subscribes here for the stored → decision histogram of /api/metrics (keeps prom-client out of the evaluator). */
export function observeStoredToDecision(fn: Observer): void {
  if (!observers.includes(fn)) observers.push(fn);
}

export function storedToDecisionObservers(): readonly Observer[] {
  return observers;
}
