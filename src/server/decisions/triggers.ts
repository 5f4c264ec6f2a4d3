// Event-driven evaluation: knowing cheaply which running experiments have new events.
//
// The ingestion pipeline calls onRowsStored with every payload ClickHouse has stored (direct insert
// or spool drain). Exposures name their experiment: those are marked dirty at once (scanPayload:
// substring searches, no parse). KPI events carry only the user, so a payload holding any makes
// one query (TOUCHED_EXPERIMENTS_SQL) map the users with events stored since the last look to the
// running experiments that exposed them, at most every RESOLVE_INTERVAL_MS (or 2x the last
// mapping's duration) whatever the event rate. Marking every running experiment on any stored row
// would not do: each evaluation costs at least its rollup's "anything new for me" check and a
// decision row, and 100 experiments would queue behind each other every second.
import { chQuery, eventStoreInfo, eventWriteHorizon } from "@/db/clickhouse/client";
import { subscribeExperimentChanges } from "@/server/experiments/change";
import { listExperiments } from "@/server/experiments/list";
import { onRowsStored } from "@/server/ingestion/rows";
import { SERVER_NOW_SQL, TOUCHED_EXPERIMENTS_SQL } from "./triggers.sql";

/** KPI events are mapped to experiments at most this often (ms). */
export const RESOLVE_INTERVAL_MS = 500;
/**
 * Rows whose inserted_at was taken just before a look but that became visible after it (inserts in
 * flight), when the writes in flight are not known (a ClickHouse server). Over embedded chDB the next
 * look starts at the oldest write in flight at this one (eventWriteHorizon), less a rounding margin.
 */
const OVERLAP_MS = 5_000;
const HORIZON_MARGIN_MS = 50;
/** The running set is re-read at most this often (other instances start and stop experiments too). */
const RUNNING_TTL_MS = 5_000;

const WORD = Buffer.from("exposure");
const EXPERIMENT = Buffer.from('"experiment":"');
const NO_EXPERIMENT = Buffer.from('"experiment":""');
const TYPE = Buffer.from('"type":"');
const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * The experiments of a payload's exposures and whether it holds other events, without parsing it:
 * payloads are serializeRows' JSONEachRow lines, where `type` is the second field and `experiment`
 * the fifth ("" unless an exposure); the strings between them are JSON-escaped, so the first
 * `"experiment":"` after an exposure's type is its own. Native substring searches only: a
 * KPI-only payload costs one pass of memchr-speed search, an exposure a few bytes more. A client's
 * `properties` (raw JSON, after these fields) holding `"type":"exposure"` is not the line's first
 * `"type":"` and is skipped.
 */
export function scanPayload(payload: Buffer): { experiments: Set<string>; exposureRows: number; otherRows: boolean } {
  const experiments = new Set<string>();
  let exposureRows = 0;
  // searched as "exposure" (2.5x faster than with the quotes: Node's Horspool search skips little on
  // a needle ending in '"', the commonest byte of JSON), then checked to be a type field
  for (let at = payload.indexOf(WORD); at >= 0; at = payload.indexOf(WORD, at + WORD.length)) {
    const type = at - TYPE.length;
    if (type < 0 || payload[at + WORD.length] !== QUOTE || !payload.subarray(type, at).equals(TYPE)) continue;
    // the row's own type is the line's first `"type":"` (the id before it is JSON-escaped)
    if (payload.indexOf(TYPE, payload.lastIndexOf(NEWLINE, type) + 1) !== type) continue;
    const field = payload.indexOf(EXPERIMENT, at);
    if (field < 0) break;
    const from = field + EXPERIMENT.length;
    const end = payload.indexOf(QUOTE, from);
    if (end < 0) break;
    if (end > from) {
      experiments.add(payload.toString("latin1", from, end));
      exposureRows++;
    }
    at = end;
  }
  return { experiments, exposureRows, otherRows: payload.indexOf(NO_EXPERIMENT) >= 0 };
}

export class EventTrigger {
  /** experiment → when its first exposure not yet marked was stored (epoch ms) */
  private pendingExposures = new Map<string, number>();
  /** when the first payload with KPI events not yet looked at was stored (null: none) */
  private kpiPendingSince: number | null = null;
  private timer?: NodeJS.Timeout;
  private busy = false;
  private stopped = false;
  private lastResolveAt = 0;
  /** where the next look starts (ms, server insertion time) */
  private nextSince?: number;
  private readonly lastSeen = new Map<string, number>();
  private running?: { keys: Set<string>; at: number };
  private unsubscribe: (() => void)[] = [];
  private lastErrorLog = 0;
  readonly stats = { payloads: 0, resolutions: 0, resolveMs: 0, marks: 0 };

  /** `storedAt`: when the rows behind the mark were stored (the earliest of them, for a look) */
  constructor(private readonly mark: (key: string, storedAt: number) => void) {}

  start(): void {
    this.unsubscribe.push(onRowsStored((p) => this.onPayload(p)));
    this.unsubscribe.push(
      subscribeExperimentChanges((e) => {
        if (!this.running) return;
        if (e.status === "running") this.running.keys.add(e.key);
        else this.running.keys.delete(e.key);
      }),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  onPayload(payload: Buffer): void {
    if (this.stopped) return;
    this.stats.payloads++;
    const scan = scanPayload(payload);
    const storedAt = Date.now();
    for (const k of scan.experiments) if (!this.pendingExposures.has(k)) this.pendingExposures.set(k, storedAt);
    if (scan.otherRows) this.kpiPendingSince ??= storedAt;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.busy || this.stopped) return;
    if (this.pendingExposures.size === 0 && this.kpiPendingSince === null) return;
    // exposures right away (a few ms to gather the drain's next batches); KPI mapping rate-limited
    const delay = this.pendingExposures.size > 0 ? 20 : Math.max(20, this.lastResolveAt + this.resolveInterval() - Date.now());
    this.timer = setTimeout(() => void this.process(), delay);
    this.timer.unref();
  }

  private async process(): Promise<void> {
    this.timer = undefined;
    this.busy = true;
    try {
      const running = await this.runningKeys();
      const exposures = this.pendingExposures;
      this.pendingExposures = new Map();
      for (const [k, storedAt] of exposures) if (running.has(k)) this.fire(k, storedAt);
      const kpiSince = this.kpiPendingSince;
      if (kpiSince !== null && Date.now() - this.lastResolveAt >= this.resolveInterval()) {
        this.kpiPendingSince = null;
        this.lastResolveAt = Date.now();
        try {
          // the look may find rows of any payload since the last one: the earliest is the conservative time
          await this.resolveKpi(running, kpiSince);
        } catch (e) {
          this.kpiPendingSince = Math.min(kpiSince, this.kpiPendingSince ?? kpiSince); // same `since` next time: nothing is skipped
          throw e;
        }
      }
    } catch (e) {
      if (Date.now() - this.lastErrorLog > 10_000) {
        this.lastErrorLog = Date.now();
        console.error(`[verdict] event-driven evaluation trigger failed (the timer still evaluates): ${(e as Error).message}`);
      }
    } finally {
      this.busy = false;
      this.schedule();
    }
  }

  /**
   * chDB runs one statement at a time: the mapping may take at most about a third of that slot. Its
   * statements go first in the slot (urgent), so resolveMs is its own cost plus the statement running
   * then; measured behind the whole queue (before the slot) it made the interval 3–5 s under load.
   * Twice its engine time alone (the wait left out) was tried (2026-12-03 08:50): looks 57 → 82 in
   * the evaluator bench's event phase, which took 87 s instead of 66, and quiet decisions came later.
   */
  private resolveInterval(): number {
    return Math.max(RESOLVE_INTERVAL_MS, 2 * this.stats.resolveMs);
  }

  private fire(key: string, storedAt: number): void {
    this.stats.marks++;
    this.mark(key, storedAt);
  }

  private async resolveKpi(running: Set<string>, storedAt: number): Promise<void> {
    const started = performance.now();
    const horizon = await eventWriteHorizon();
    // urgent: every event-driven evaluation of KPI events waits for this look (../../db/clickhouse/slot.ts).
    // Embedded chDB stamps inserted_at with this process's clock, so its "now" needs no statement
    // (one fewer wait for the slot per look under load; the write horizon relies on the same clock)
    const now = (await eventStoreInfo()).mode === "chdb" ? Date.now() : (await chQuery<{ now: number }>(SERVER_NOW_SQL, {}, { urgent: true }))[0].now;
    const since = this.nextSince ?? Number(now) - OVERLAP_MS;
    if (running.size > 0) {
      const rows = await chQuery<{ experiment: string; last: number | string }>(TOUCHED_EXPERIMENTS_SQL, { experiments: [...running], since }, { urgent: true });
      for (const r of rows) {
        // the overlap shows the same rows again: only a later insertion is new
        const last = Number(r.last);
        if (last > (this.lastSeen.get(r.experiment) ?? -Infinity)) {
          this.lastSeen.set(r.experiment, last);
          this.fire(r.experiment, storedAt);
        }
      }
    }
    this.nextSince = horizon === null ? Number(now) - OVERLAP_MS : Math.min(horizon, Number(now)) - HORIZON_MARGIN_MS;
    this.stats.resolutions++;
    this.stats.resolveMs = Math.round(performance.now() - started);
  }

  private async runningKeys(): Promise<Set<string>> {
    if (!this.running || Date.now() - this.running.at > RUNNING_TTL_MS) {
      const list = await listExperiments({ status: "running" });
      this.running = { keys: new Set(list.map((e) => e.key)), at: Date.now() };
      for (const k of this.lastSeen.keys()) if (!this.running.keys.has(k)) this.lastSeen.delete(k);
    }
    return this.running.keys;
  }
}
