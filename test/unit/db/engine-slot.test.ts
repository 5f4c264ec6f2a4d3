// The embedded engine's queue (src/db/clickhouse/slot.ts): one statement at a time, reads before
// ingestion's inserts, an insert never delayed much past maxIngestWaitMs.
import { describe, expect, it } from "vitest";
import { EngineSlot } from "@/db/clickhouse/slot";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Statements that take `ms` and record the order in which they end. */
function recording() {
  const order: string[] = [];
  const op = (name: string, ms: number) => async () => {
    await sleep(ms);
    order.push(name);
  };
  return { order, op };
}

describe("EngineSlot", () => {
  it("runs one statement at a time, reads ahead of queued inserts, each class in arrival order", async () => {
    const slot = new EngineSlot(10_000);
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const op = (name: string, ms: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(ms);
      order.push(name);
      running--;
      return name;
    };
    const all = [
      slot.run("ingest", op("i1", 30)), // starts at once: the slot is free
      slot.run("ingest", op("i2", 5)),
      slot.run("ingest", op("i3", 5)),
      slot.run("read", op("r1", 5)),
      slot.run("read", op("r2", 5)),
    ];
    expect(await Promise.all(all)).toEqual(["i1", "i2", "i3", "r1", "r2"]);
    expect(order).toEqual(["i1", "r1", "r2", "i2", "i3"]);
    expect(maxRunning).toBe(1);
  });

  it("puts urgent statements ahead of reads and inserts", async () => {
    const slot = new EngineSlot(10_000);
    const { order, op } = recording();
    await Promise.all([slot.run("read", op("r0", 5)), slot.run("ingest", op("i1", 5)), slot.run("read", op("r1", 5)), slot.run("urgent", op("u1", 5)), slot.run("urgent", op("u2", 5))]);
    expect(order).toEqual(["r0", "u1", "u2", "r1", "i1"]);
  });

  it("lets an insert that has waited maxIngestWaitMs go before later reads: ingestion is delayed, never starved", async () => {
    const slot = new EngineSlot(40);
    const { order, op } = recording();
    const reads: Promise<void>[] = [slot.run("read", op("r0", 20))];
    const insert = slot.run("ingest", op("insert", 1));
    // a steady stream of reads, each queued before the previous one finishes
    for (let i = 1; i <= 8; i++) reads.push(slot.run("read", op(`r${i}`, 20)));
    await Promise.all([insert, ...reads]);
    const at = order.indexOf("insert");
    expect(at).toBeGreaterThan(0); // reads went first...
    expect(at).toBeLessThan(order.length - 1); // ...but not all of them
    expect(slot.stats.maxIngestWaitMs).toBeLessThan(40 + 20 + 30); // its wait, plus the statement running then, plus timer slack
  });

  it("a failing statement frees the slot and rejects its caller only", async () => {
    const slot = new EngineSlot();
    const bad = slot.run("read", async () => {
      throw new Error("boom");
    });
    const sync = slot.run("read", () => {
      throw new Error("sync boom");
    });
    const good = slot.run("ingest", async () => "ok");
    await expect(bad).rejects.toThrow("boom");
    await expect(sync).rejects.toThrow("sync boom");
    await expect(good).resolves.toBe("ok");
    expect(slot.queued).toBe(0);
  });
});

describe("EngineSlot.idle", () => {
  it("resolves once nothing runs or waits, including statements queued while it waits", async () => {
    const slot = new EngineSlot();
    await slot.idle(); // nothing at all
    const done: string[] = [];
    void slot.run("read", async () => {
      await sleep(20);
      done.push("a");
      void slot.run("ingest", async () => {
        await sleep(10);
        done.push("b"); // queued by the first, while idle() waits
      });
    });
    await slot.idle();
    expect(done).toEqual(["a", "b"]);
  });
});

describe("EngineSlot under a stream of urgent work", () => {
  it("lets a read that has waited maxReadWaitMs go before later urgent statements (once they have had their budget)", async () => {
    const slot = new EngineSlot(10_000, 40, 50);
    const { order, op } = recording();
    const all: Promise<void>[] = [slot.run("urgent", op("u0", 20))];
    const read = slot.run("read", op("read", 1));
    for (let i = 1; i <= 8; i++) all.push(slot.run("urgent", op(`u${i}`, 20)));
    await Promise.all([read, ...all]);
    const at = order.indexOf("read");
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(order.length - 1);
  });
});

describe("EngineSlot with many overdue reads", () => {
  it("gives waiting urgent statements their engine-time budget before an overdue read, then lets the read go: neither class takes every turn", async () => {
    const slot = new EngineSlot(10_000, 30, 60);
    const { order, op } = recording();
    // a long statement first, so that every read queued behind it is overdue when the urgent ones arrive
    const all: Promise<void>[] = [slot.run("read", op("r0", 60))];
    for (let i = 1; i <= 4; i++) all.push(slot.run("read", op(`r${i}`, 5)));
    await sleep(45);
    for (let i = 1; i <= 4; i++) all.push(slot.run("urgent", op(`u${i}`, 40)));
    await Promise.all(all);
    // u1 (40 ms) is within the 60 ms budget, u1 + u2 (80 ms) past it: an overdue read, then the
    // urgent ones get a new budget
    expect(order).toEqual(["r0", "u1", "u2", "r1", "u3", "u4", "r2", "r3", "r4"]);
  });

  it("with no budget, overdue reads go before waiting urgent statements", async () => {
    const slot = new EngineSlot(10_000, 30, 0);
    const { order, op } = recording();
    const all: Promise<void>[] = [slot.run("read", op("r0", 60))];
    for (let i = 1; i <= 3; i++) all.push(slot.run("read", op(`r${i}`, 5)));
    await sleep(45);
    for (let i = 1; i <= 3; i++) all.push(slot.run("urgent", op(`u${i}`, 5)));
    await Promise.all(all);
    expect(order).toEqual(["r0", "r1", "r2", "r3", "u1", "u2", "u3"]);
  });
});

describe("EngineSlot anticipation", () => {
  // an urgent work issuing its statements one after another, each `gapMs` after the last one ended
  const work = (slot: EngineSlot, order: string[], names: string[], gapMs: number, going: { on: boolean }) =>
    (async () => {
      for (const name of names) {
        await slot.run(
          "urgent",
          async () => {
            await sleep(10);
            order.push(name);
          },
          { continues: () => going.on },
        );
        if (name !== names[names.length - 1]) await sleep(gapMs);
      }
      going.on = false;
      slot.wake();
    })();

  it("holds the slot for a continuing urgent work's next statement: a waiting read goes after the chain", async () => {
    const slot = new EngineSlot(10_000, 10_000, 500, 40);
    const order: string[] = [];
    const going = { on: true };
    const chain = work(slot, order, ["u1", "u2", "u3"], 5, going);
    await sleep(2);
    const read = slot.run("read", async () => void order.push("read"));
    await Promise.all([chain, read]);
    expect(order).toEqual(["u1", "u2", "u3", "read"]);
  });

  it("without anticipation the read takes the gap (the behaviour it replaces)", async () => {
    const slot = new EngineSlot(10_000, 10_000, 500, 0);
    const order: string[] = [];
    const chain = work(slot, order, ["u1", "u2"], 5, { on: true });
    await sleep(2);
    const read = slot.run("read", async () => void order.push("read"));
    await Promise.all([chain, read]);
    expect(order).toEqual(["u1", "read", "u2"]);
  });

  it("waits at most anticipateMs for a statement that does not come, and not at all once the work has ended", async () => {
    const slot = new EngineSlot(10_000, 10_000, 500, 40);
    const order: string[] = [];
    const going = { on: true };
    // the work's next statement comes only after 200 ms: the read goes once the 40 ms are up
    const chain = work(slot, order, ["u1", "u2"], 200, going);
    await sleep(2);
    const queuedAt = performance.now();
    const read = slot.run("read", async () => void order.push("read"));
    await read;
    const waited = performance.now() - queuedAt;
    await chain;
    expect(order).toEqual(["u1", "read", "u2"]);
    expect(waited).toBeGreaterThanOrEqual(40);
    expect(waited).toBeLessThan(190);

    // a work that has ended: its last statement is not anticipated (wake() ended the wait)
    const order2: string[] = [];
    const ended = { on: true };
    const last = work(slot, order2, ["u9"], 0, ended);
    await sleep(2);
    const at = performance.now();
    await slot.run("read", async () => void order2.push("read"));
    await last;
    expect(order2).toEqual(["u9", "read"]);
    expect(performance.now() - at).toBeLessThan(10 + 35); // u9's 10 ms, not u9 plus the 40 ms anticipation
  });

  it("an urgent statement of another work ends the anticipation at once", async () => {
    const slot = new EngineSlot(10_000, 10_000, 500, 1_000);
    const order: string[] = [];
    const chain = work(slot, order, ["a1", "a2"], 100, { on: true });
    await sleep(15); // a1 has ended; the slot anticipates a2 (up to 1 s)
    const started = performance.now();
    await slot.run("urgent", async () => void order.push("b1"));
    expect(performance.now() - started).toBeLessThan(50);
    await chain;
    expect(order).toEqual(["a1", "b1", "a2"]);
  });
});
