// chDB runs one statement at a time per process: a `SELECT 1` issued 50 ms into a 190 ms query
// returns after it, and four queries started together finish one after another (measured
// 2026-12-02, chdb 3.4). Among the waiting statements it picks in no set order (libuv's threads
// contend for its lock), so under a busy ingestion stream every evaluation statement waited behind
// inserts and other evaluations' statements (~0.3–0.5 s per call, src/server/decisions/README.md
// "Scale"). This queue hands the engine one statement at a time and chooses which:
//   1. an insert that has waited `maxIngestWaitMs` (300 ms: ingestion is delayed, never starved,
//      and its rows are what the evaluator waits for);
//   2. a read that has waited `maxReadWaitMs` (1 s: a burst of 100 urgent evaluations held plain
//      reads 30 s), but while urgent statements wait, only once they have had `urgentBudgetMs` of
//      engine time since the last such read: under the evaluator's load plain reads wait over 1 s
//      routinely, and the overdue ones had taken every turn from the urgent class (a quiet
//      experiment's decision went from 2.0 to 4.1 s p50); one turn each (until 2026-12-03) still
//      put a plain statement (a union of 32 aggregations: ~1 s) before each of an urgent
//      evaluation's statements;
//   3. urgent statements: the evaluator's look for experiments with new KPI events, and an
//      evaluation after a quiet spell (urgentEngineWork in ./client.ts), whose latency shows;
//   4. reads and the results engine's small writes;
//   5. ingestion's inserts.
// Each class in arrival order. Ingestion's acknowledgements in the default spool mode do not wait
// for the insert; in direct mode they wait up to that much longer under load.
//
// Anticipation: an urgent evaluation issues its statements one after another, so when one ends its
// next is not queued yet, and the slot went to a plain statement every time. After an urgent
// statement whose work goes on (`continues`), the slot waits up to `anticipateMs` for an urgent
// statement before choosing (as anticipatory disk schedulers wait for a process's next read).

export type SlotClass = "urgent" | "read" | "ingest";

interface Waiting {
  cls: SlotClass;
  queuedAt: number;
  start: () => void;
}

export interface SlotRunOptions {
  /** an urgent statement's work goes on: its next statement may follow (anticipation) */
  continues?: () => boolean;
}

export class EngineSlot {
  private busy = false;
  private readonly waiting: Waiting[] = [];
  /** statements run, the longest an insert and a read or urgent statement waited, engine time per class (ms): for monitoring and benchmarks */
  stats = EngineSlot.zeroStats();

  private static zeroStats() {
    return { run: 0, maxIngestWaitMs: 0, maxReadWaitMs: 0, busyMs: { urgent: 0, read: 0, ingest: 0 } as Record<SlotClass, number> };
  }

  resetStats(): void {
    this.stats = EngineSlot.zeroStats();
  }

  /**
   * `maxReadWaitMs`: a read waiting this long goes before urgent statements (a burst of urgent work
   * held plain reads 30 s) once they have had `urgentBudgetMs` of engine time since the last such
   * read; `anticipateMs`: how long the slot waits for a continuing urgent work's next statement.
   */
  constructor(
    private readonly maxIngestWaitMs = 300,
    private readonly maxReadWaitMs = 1_000,
    private readonly urgentBudgetMs = 500,
    private readonly anticipateMs = 15,
  ) {}

  run<T>(cls: SlotClass, op: () => Promise<T>, opts: SlotRunOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queuedAt = Date.now();
      this.waiting.push({
        cls,
        queuedAt,
        start: () => {
          const waited = Date.now() - queuedAt;
          if (cls === "ingest") this.stats.maxIngestWaitMs = Math.max(this.stats.maxIngestWaitMs, waited);
          else this.stats.maxReadWaitMs = Math.max(this.stats.maxReadWaitMs, waited);
          this.stats.run++;
          const started = performance.now();
          Promise.resolve()
            .then(op)
            .then(resolve, reject)
            .finally(() => {
              const ms = performance.now() - started;
              this.stats.busyMs[cls] += ms;
              if (cls === "urgent") this.urgentMs += ms;
              this.busy = false;
              if (cls === "urgent" && opts.continues?.()) this.anticipate(opts.continues);
              this.next();
            });
        },
      });
      this.next();
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once no statement runs or waits (statements queued meanwhile are waited for too). */
  async idle(): Promise<void> {
    while (this.busy || this.waiting.length > 0) await new Promise<void>((r) => this.idlers.push(r));
  }

  /** Ends an anticipation at once (the work it waits for has ended). */
  wake(): void {
    if (this.anticipation && !this.anticipation.continues()) this.next();
  }

  private readonly idlers: (() => void)[] = [];
  /** urgent engine time since an overdue read last went before waiting urgent statements */
  private urgentMs = 0;
  private anticipation: { continues: () => boolean; timer: ReturnType<typeof setTimeout> } | null = null;

  private anticipate(continues: () => boolean): void {
    if (this.anticipateMs <= 0) return;
    if (this.anticipation) clearTimeout(this.anticipation.timer);
    const timer = setTimeout(() => {
      this.anticipation = null;
      this.next();
    }, this.anticipateMs);
    timer.unref?.();
    this.anticipation = { continues, timer };
  }

  private next(): void {
    if (this.busy) return;
    if (this.waiting.length === 0) {
      for (const r of this.idlers.splice(0)) r();
      return;
    }
    const oldest = (cls: SlotClass) => this.waiting.findIndex((w) => w.cls === cls);
    const urgent = oldest("urgent");
    if (this.anticipation) {
      if (urgent < 0 && this.anticipation.continues()) return; // held for the urgent work's next statement
      clearTimeout(this.anticipation.timer);
      this.anticipation = null;
    }
    const ingest = oldest("ingest");
    const overdue = ingest >= 0 && Date.now() - this.waiting[ingest].queuedAt >= this.maxIngestWaitMs;
    const read = oldest("read");
    const readOverdue = read >= 0 && Date.now() - this.waiting[read].queuedAt >= this.maxReadWaitMs && !(urgent >= 0 && this.urgentMs < this.urgentBudgetMs);
    const i = overdue ? ingest : readOverdue ? read : urgent >= 0 ? urgent : read >= 0 ? read : ingest;
    if (i === read && readOverdue && urgent >= 0) this.urgentMs = 0;
    const [w] = this.waiting.splice(i, 1);
    this.busy = true;
    w.start();
  }
}
