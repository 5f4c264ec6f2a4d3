// Reads of one SQL text issued together share one statement over embedded chDB
// (src/db/clickhouse/union-batch.ts). Real chDB: each caller must get exactly the rows its own
// statement would have given, a bad read must fail only its caller, and shapes that cannot be
// joined must run as they are.
import { beforeAll, describe, expect, it } from "vitest";
import { chCommand, chQuery, engineSlotStats } from "@/db/clickhouse/client";
import { chQueryBatched, unionBatchStats } from "@/db/clickhouse/union-batch";
import { setupStores } from "./helpers/app";

beforeAll(async () => {
  await setupStores();
  await chCommand(
    `INSERT INTO events (id, type, user_id, value, timestamp)
     SELECT concat('ub-', toString(number)), 'request', concat('ub-u', toString(number % 40)), number % 7, now64(3) FROM numbers(4000)`,
  );
});

// per user of a prefix-selected group: a grouped read with several parameters and a SETTINGS tail
const GROUPED = `
SELECT user_id, count() AS n, sum(value) AS total, {tag:String} AS tag
FROM events WHERE id LIKE 'ub-%' AND user_id IN {users:Array(String)} AND value >= {min:Float64}
GROUP BY user_id
SETTINGS max_threads = 2`;

const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => String(a.user_id).localeCompare(String(b.user_id)));

describe("union batches of reads (embedded chDB)", () => {
  it("gives every caller its own statement's rows, from one statement", async () => {
    const calls = Array.from({ length: 12 }, (_, i) => ({
      users: Array.from({ length: (i % 5) + 1 }, (_, k) => `ub-u${(i * 3 + k) % 40}`),
      min: i % 4,
      tag: `t${i}`,
    }));
    // one case with no rows at all: its caller gets []
    calls.push({ users: ["nobody"], min: 0, tag: "none" });
    const alone = await Promise.all(calls.map((p) => chQuery<Record<string, unknown>>(GROUPED, p)));
    expect(alone.filter((r) => r.length > 0).length).toBe(12);

    const stats = { ...unionBatchStats };
    const slotBefore = (await engineSlotStats())!.run;
    const together = await Promise.all(calls.map((p) => chQueryBatched<Record<string, unknown>>(GROUPED, p)));
    const slotRun = (await engineSlotStats())!.run - slotBefore;

    together.forEach((rows, i) => expect(sortRows(rows)).toEqual(sortRows(alone[i])));
    expect(unionBatchStats.statements - stats.statements).toBe(1);
    expect(unionBatchStats.reads - stats.reads).toBe(calls.length);
    expect(unionBatchStats.fallbacks).toBe(stats.fallbacks);
    // the one joint statement, plus the engineSlotStats read itself
    expect(slotRun).toBeLessThanOrEqual(2);
  });

  it("fails only the caller whose read is bad; the others get their rows", async () => {
    const good = { users: ["ub-u1", "ub-u2"], min: 0, tag: "g" };
    const expected = sortRows(await chQuery<Record<string, unknown>>(GROUPED, good));
    const fallbacks = unionBatchStats.fallbacks;
    const results = await Promise.allSettled([
      chQueryBatched<Record<string, unknown>>(GROUPED, good),
      // not a number: the joint statement fails, then this read alone
      chQueryBatched<Record<string, unknown>>(GROUPED, { users: ["ub-u1"], min: "not a number", tag: "b" }),
      chQueryBatched<Record<string, unknown>>(GROUPED, good),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    for (const r of [results[0], results[2]]) expect(sortRows((r as PromiseFulfilledResult<Record<string, unknown>[]>).value)).toEqual(expected);
    expect(unionBatchStats.fallbacks).toBe(fallbacks + 1);
  });

  it("runs reads that cannot be joined as they are: ORDER BY, and statements other than SELECT", async () => {
    const stats = { ...unionBatchStats };
    const ordered = "SELECT user_id, count() AS n FROM events WHERE id LIKE 'ub-%' AND value >= {min:Float64} GROUP BY user_id ORDER BY n DESC, user_id LIMIT 3";
    const [a, b] = await Promise.all([chQueryBatched(ordered, { min: 0 }), chQueryBatched(ordered, { min: 3 })]);
    expect(a).toEqual(await chQuery(ordered, { min: 0 }));
    expect(b).toEqual(await chQuery(ordered, { min: 3 }));
    const [d] = await Promise.all([chQueryBatched("DESCRIBE TABLE events")]);
    expect(d.length).toBeGreaterThan(3);
    expect(unionBatchStats.statements).toBe(stats.statements);
  });

  it("joins no more than UNION_BATCH_MAX reads per statement, and the reads arriving while one runs go in the next", async () => {
    const stats = { ...unionBatchStats };
    const calls = Array.from({ length: 40 }, (_, i) => ({ users: [`ub-u${i}`], min: 0, tag: `m${i}` }));
    const first = await Promise.all(calls.map((p) => chQueryBatched<Record<string, unknown>>(GROUPED, p)));
    first.forEach((rows, i) => expect(rows).toEqual([{ user_id: `ub-u${i}`, n: 100, total: expect.any(Number) as number, tag: `m${i}` }]));
    expect(unionBatchStats.statements - stats.statements).toBe(2); // 32 + 8
    expect(unionBatchStats.largest).toBeLessThanOrEqual(32);
  });
});
