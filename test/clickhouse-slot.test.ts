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
    for (let round = 0; round < 4; round++) await oneRound(round);
    const [{ n }] = await chQuery<{ n: number }>("SELECT count() AS n FROM events WHERE id LIKE 'slot-%'");
    expect(Number(n)).toBe(4 * (3 * 100_000 + 20_000));
  }, 60_000);
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

async function oneRound(round: number): Promise<void> {
  const done: string[] = [];
  const before = Number((await chQuery<{ n: number }>("SELECT count() AS n FROM events WHERE id LIKE 'slot-%'"))[0].n);
  const insert = await getPayloadInserter();
  const payload = Buffer.from(
    Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ id: `slot-p${round}-${i}`, type: "request", user_id: `slot-${i % 5000}`, value: 1, timestamp: new Date().toISOString() })).join("\n"),
  );
  const writes = [
    heavyInsert(`slot-a${round}-`).then(() => done.push("a")),
    heavyInsert(`slot-b${round}-`).then(() => done.push("b")),
    insert("events", "JSONEachRow", payload, {}).then(() => done.push("payload")),
    heavyInsert(`slot-c${round}-`).then(() => done.push("c")),
  ];
  const read = chQuery<{ n: number }>("SELECT count() AS n FROM events WHERE id LIKE 'slot-%'").then((rows) => {
    done.push("read");
    return Number(rows[0].n) - before;
  });
  await Promise.all(writes);
  const seen = await read;
  // the first insert to reach the slot (the payload: chCommand first awaits the store) was already
  // running; the read goes next and sees that insert's rows only
  expect(done.indexOf("read"), `round ${round}: ${done.join(" ")}`).toBe(1);
  expect(seen).toBe(done[0] === "payload" ? 20_000 : 100_000);
}
