// Over embedded chDB the engine runs one statement at a time, in the order it is called; the slot
// (src/db/clickhouse/slot.ts) puts reads ahead of ingestion's queued inserts. Real chDB: without the
// slot the engine picks among the waiting statements in no set order (libuv's threads contend for
// its lock), so the read below finishes anywhere among the inserts: first, last or between.
import { beforeAll, describe, expect, it } from "vitest";
import { chCommand, chQuery, engineSlotStats, getPayloadInserter, urgentEngineWork } from "@/db/clickhouse/client";
import { setupStores } from "./helpers/app";

beforeAll(async () => {
  await setupStores();
});

const heavyInsert = (tag: string) =>
  chCommand(
    `INSERT INTO events (id, type, user_id, value, timestamp)
     SELECT concat({tag:String}, toString(number)), 'request', concat('slot-', toString(number % 5000)), 1, now64(3) FROM numbers(100000)`,
    { tag },
  );

describe("the embedded engine's slot", () => {
  it("serves a read queued behind ingestion's inserts right after the one running, every time, and loses none of the inserts", async () => {
    expect(await engineSlotStats()).not.toBeNull();
    // An insert that has waited 300 ms goes first by design (ingestion is delayed, never starved):
    // a round whose running statement outlasted that (a loaded machine) says nothing about the
    // read's place, so rounds run until four were decided by the read's priority alone.
    let rounds = 0;
    let decided = 0;
    while (decided < 4 && rounds < 12) if (await oneRound(rounds++)) decided++;
    expect(decided, `${rounds} rounds`).toBeGreaterThanOrEqual(2);
    const [{ n }] = await chQuery<{ n: number }>("SELECT count() AS n FROM events WHERE id LIKE 'slot-%'");
    expect(Number(n)).toBe(rounds * (3 * 100_000 + PAYLOAD_ROWS));
  }, 120_000);
});

describe("urgent engine work", () => {
  it("puts the reads of an urgent piece of work (an evaluation after a quiet spell) ahead of other reads", async () => {
    const heavyRead = () => chQuery("SELECT sum(cityHash64(number)) AS s FROM numbers(30000000)");
    const done: string[] = [];
    const reads = [1, 2, 3].map((i) => heavyRead().then(() => done.push(`read${i}`)));
    const urgent = urgentEngineWork(async () => {
      await chQuery("SELECT 1");
      done.push("urgent");
    });
    const plain = chQuery("SELECT 1").then(() => done.push("plain"));
    await Promise.all([...reads, urgent, plain]);
    // read1 was running; the urgent read goes next, the plain one after every read queued before it
    expect(done).toEqual(["read1", "urgent", "read2", "read3", "plain"]);
  });

  it("keeps the slot for an urgent piece of work's next statement, through nested urgent calls", async () => {
    const heavyRead = () => chQuery("SELECT sum(cityHash64(number)) AS s FROM numbers(30000000)");
    const gap = () => new Promise((r) => setTimeout(r, 3)); // the JS between two of an evaluation's statements
    const done: string[] = [];
    const reads = [1, 2, 3].map((i) => heavyRead().then(() => done.push(`read${i}`)));
    const urgent = urgentEngineWork(async () => {
      await chQuery("SELECT 1");
      done.push("u1");
      await gap();
      // a lane's own urgentEngineWork (rollup refreshes, batched reads) inside the evaluation's
      await urgentEngineWork(() => chQuery("SELECT 2")).then(() => done.push("u2"));
      await gap();
      await chQuery("SELECT 3");
      done.push("u3");
    });
    await Promise.all([...reads, urgent]);
    // without anticipation the reads queued behind read1 take each gap: read1, u1, read2, u2, read3, u3
    expect(done).toEqual(["read1", "u1", "u2", "u3", "read2", "read3"]);
  });
});

const PAYLOAD_ROWS = 2_000;
/** The slot's maxIngestWaitMs (300 ms, src/db/clickhouse/slot.ts), less a margin for the JS around the statements. */
const DECIDED_BELOW_MS = 250;

/** One round; true when it was decided by the read's priority (no insert overdue when the first statement ended). */
async function oneRound(round: number): Promise<boolean> {
  const done: { what: string; at: number }[] = [];
  const before = Number((await chQuery<{ n: number }>("SELECT count() AS n FROM events WHERE id LIKE 'slot-%'"))[0].n);
  const insert = await getPayloadInserter();
  const payload = Buffer.from(
    Array.from({ length: PAYLOAD_ROWS }, (_, i) => JSON.stringify({ id: `slot-p${round}-${i}`, type: "request", user_id: `slot-${i % 5000}`, value: 1, timestamp: new Date().toISOString() })).join(
      "\n",
    ),
  );
  const finished = (what: string) => () => void done.push({ what, at: performance.now() });
  const queued = performance.now();
  const writes = [
    heavyInsert(`slot-a${round}-`).then(finished("a")),
    heavyInsert(`slot-b${round}-`).then(finished("b")),
    insert("events", "JSONEachRow", payload, {}).then(finished("payload")),
    heavyInsert(`slot-c${round}-`).then(finished("c")),
  ];
  const read = chQuery<{ n: number }>("SELECT count() AS n FROM events WHERE id LIKE 'slot-%'").then((rows) => {
    finished("read")();
    return Number(rows[0].n) - before;
  });
  await Promise.all(writes);
  const seen = await read;
  const order = done.map((d) => d.what);
  if (done[0].at - queued >= DECIDED_BELOW_MS) return false;
  // the first insert to reach the slot (the payload: chCommand first awaits the store) was already
  // running; the read goes next and sees that insert's rows only
  expect(order.indexOf("read"), `round ${round}: ${order.join(" ")}`).toBe(1);
  expect(seen).toBe(order[0] === "payload" ? PAYLOAD_ROWS : 100_000);
  return true;
}
