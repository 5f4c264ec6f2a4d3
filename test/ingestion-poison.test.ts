/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// Poison pills (issue 12, item 2): what validation accepted but ClickHouse refused blocked the
// spool for good. Each trigger is tried through the real route handlers (validation must refuse
// it, naming the field) and as a spool record that bypasses validation (the drain must isolate the
// bad rows into the dead-letter file, store every other row exactly once, and report it).
process.env.VERDICT_INGEST_RATE_LIMIT = "0";

import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as healthRoute from "@/app/api/health/route";
import * as metricsRoute from "@/app/api/metrics/route";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as events from "@/app/api/v1/events/route";
import * as experimentsRoute from "@/app/api/v1/experiments/route";
import * as startRoute from "@/app/api/v1/experiments/[key]/start/route";
import { chCommand, chQuery } from "@/db/clickhouse/client";
import { recordServerEvents } from "@/server/ingestion/ingest";
import { isDataError } from "@/server/ingestion/store-errors";
import { flushIngestion, IngestionPipeline, ingestionPipeline, setIngestionInserterWrapper, stopIngestion } from "@/server/ingestion/pipeline";
import type { EventRow } from "@/server/ingestion/schemas";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";
import { faultyInserter, type Fault } from "./helpers/ingest-faults";

const post = (evts: unknown[]) => call(events.POST, { method: "POST", path: "/api/v1/events", token: TEST_CLIENT_KEY, body: { events: evts } });
const spoolDir = () => ingestionPipeline().spool.dir;
const deadLetters = (): any[] => {
  try {
    return readFileSync(join(spoolDir(), "dead-letter.jsonl"), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};
const clearDeadLetters = () => rmSync(join(spoolDir(), "dead-letter.jsonl"), { force: true });
const rawCounts = async (prefix: string) =>
  new Map((await chQuery<{ id: string; n: number }>("SELECT id, count() AS n FROM events WHERE startsWith(id, {p:String}) GROUP BY id", { p: prefix })).map((r) => [r.id, Number(r.n)]));

function row(id: string, over: Partial<EventRow> = {}): EventRow {
  const now = Date.now();
  return { id, type: "request", name: "", user_id: "u", experiment: "", variant: "", value: 1, properties: "{}", timestamp: now, received_at: now, ...over };
}

let fault: Fault = "none";

beforeAll(async () => {
  await setupStores();
  await chCommand("SYSTEM STOP MERGES events");
  setIngestionInserterWrapper(faultyInserter(() => fault));
  expect((await call(experimentsRoute.POST, { body: { key: "poison-ab", name: "Poison", strategy: "ab" } })).status).toBe(201);
  expect((await call(startRoute.POST, { params: { key: "poison-ab" }, body: {} })).status).toBe(200);
});

describe("validation refuses what the store would refuse", () => {
  it("rejects a lone UTF-16 surrogate in every stored string of an event, naming the field", async () => {
    const base = { type: "metric", name: "m", userId: "u", value: 1 };
    const bad = [
      { ...base, id: "\ud800" },
      { ...base, id: "s-1", userId: "\ud800" },
      { ...base, id: "s-2", userId: undefined, instanceId: "x\udfff" },
      { ...base, id: "s-3", name: "\udc00name" },
      { id: "s-4", type: "exposure", userId: "u", experiment: "poison-ab\ud800", variant: "control" },
      { id: "s-5", type: "exposure", userId: "u", experiment: "poison-ab", variant: "control\ud800" },
      { ...base, id: "s-6", properties: { "k\ud800": 1 } },
      { ...base, id: "s-7", properties: { k: "v\ud800" } },
    ];
    const ok = { ...base, id: "s-ok", userId: "astral-😀-ok", properties: { "😀": "𝄞 \u0000" } };
    const res = await post([...bad, ok]);
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    const got = res.body.rejected.map((r: any) => [r.index, r.code, r.message.split(" contains")[0]]);
    expect(got).toEqual([
      [0, "invalid_id", "id"],
      [1, "invalid_user", "userId"],
      [2, "invalid_user", "instanceId"],
      [3, "invalid_name", "name"],
      [4, "unknown_experiment", "experiment"],
      [5, "unknown_variant", "variant"],
      [6, "invalid_properties", "properties: a property name"],
      [7, "invalid_properties", "properties.k"],
    ]);
    for (const r of res.body.rejected) expect(r.message).toMatch(/lone UTF-16 surrogate/);
    await flushIngestion();
    expect(await rawCounts("s-")).toEqual(new Map([["s-ok", 1]]));
  });

  it("accepts timestamps from 2000-01-01T00:00:00Z to now + 5 min only, ISO and epoch alike", async () => {
    const now = Date.now();
    const ev = (id: string, timestamp: unknown) => ({ id, type: "request", userId: "t", timestamp });
    const res = await post([
      ev("t-iso-0001", "0001-01-01T00:00:00Z"),
      ev("t-iso-1999", "1999-12-31T23:59:59.999Z"),
      ev("t-ms-1999", Date.UTC(2000, 0, 1) - 1),
      ev("t-iso-2000", "2000-01-01T00:00:00Z"),
      ev("t-ms-2000", Date.UTC(2000, 0, 1)),
      ev("t-soon", now + 4 * 60_000),
      ev("t-iso-late", new Date(now + 6 * 60_000).toISOString()),
      ev("t-ms-late", now + 6 * 60_000),
      ev("t-iso-9999", "9999-12-31T23:59:59+14:00"),
    ]);
    expect(res.body.accepted).toBe(3);
    expect(res.body.rejected.map((r: any) => [r.index, r.code])).toEqual([
      [0, "invalid_timestamp"],
      [1, "invalid_timestamp"],
      [2, "invalid_timestamp"],
      [6, "timestamp_in_future"],
      [7, "timestamp_in_future"],
      [8, "timestamp_in_future"],
    ]);
  });

  it("stores 101 events in 101 different months in one request (more partitions than ClickHouse's default limit)", async () => {
    const evts = Array.from({ length: 101 }, (_, i) => ({ id: `month-${i}`, type: "request", userId: "m", timestamp: Date.UTC(2010, i, 15) }));
    const res = await post(evts);
    expect(res.body).toEqual({ accepted: 101, rejected: [] });
    await flushIngestion();
    expect((await rawCounts("month-")).size).toBe(101);
    expect(deadLetters()).toEqual([]);
  });

  it("refuses a lone surrogate in /assign's userId and attributes (the exposure rows are built from them) with 400 naming the field", async () => {
    const one = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { userId: "\ud800" } });
    expect(one.status).toBe(400);
    expect(one.body.error.details.map((d: any) => d.path)).toEqual(["userId"]);
    const batch = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: [{ userId: "fine" }, { attributes: { deviceId: "d\udbff" } }] } });
    expect(batch.status).toBe(400);
    expect(batch.body.error.details.map((d: any) => d.path)).toEqual(["units.1.attributes.deviceId"]);
    const name = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { attributes: { "k\ud800": "v" } } });
    expect(name.status).toBe(400);
    expect(name.body.error.details[0]).toMatchObject({ path: "attributes", message: expect.stringMatching(/surrogate/) });
    const good = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { userId: "assign-😀" } });
    expect(good.status).toBe(200);
  });

  it("answers a 1,001-unit batch assign with the limit, not 'unrecognized key'", async () => {
    const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: Array.from({ length: 1001 }, (_, i) => ({ userId: `b${i}` })) } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: "units", message: expect.stringMatching(/at most 1000 units.*got 1001/) })]);
  });
});

describe("the drain isolates rows the store refuses", () => {
  it("dead-letters a lone-surrogate row that bypassed validation, stores the rest once, reports it", async () => {
    clearDeadLetters();
    fault = "refuse"; // the rows wait in the spool, in one batch with their neighbours
    const good = Array.from({ length: 40 }, (_, i) => row(`bp-${i}`));
    await ingestionPipeline().submit([...good.slice(0, 17), row("bp-bad-user", { user_id: "\ud800" }), ...good.slice(17)]);
    await recordServerEvents([row("bp-bad-exposure", { type: "exposure", experiment: "poison-ab", variant: "control", user_id: "x\ud800" })]);
    fault = "none";
    await flushIngestion();

    const counts = await rawCounts("bp-");
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const dead = deadLetters();
    expect(dead.map((d) => d.row.id).sort()).toEqual(["bp-bad-exposure", "bp-bad-user"]);
    for (const d of dead) {
      expect(d).toMatchObject({
        kind: "refused",
        error: expect.stringMatching(/Code: 25/),
        position: { segment: expect.any(Number), start: expect.any(Number), end: expect.any(Number), row: expect.any(Number) },
      });
      expect(Date.parse(d.time)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(dead.find((d) => d.row.id === "bp-bad-user").row.user_id).toBe("\ud800"); // kept exactly as inserted

    const pub = await call(healthRoute.GET, { token: null });
    expect(pub.status).toBe(200); // the stores are fine: stay in the load balancer
    expect(pub.body.status).toBe("degraded");
    expect(pub.body.problems).toEqual([expect.stringMatching(/2 dead letter/)]);
    expect(pub.body.ingestion.deadLetter.rows).toBe(2);
    expect(pub.body.ingestion.deadLetteredRows).toBe(2);
    // The store's message quotes the refused row; only authenticated callers see it.
    expect(pub.body.ingestion.lastError).toBe("rows refused by the event store (ClickHouse code 25)");
    expect(JSON.stringify(pub.body)).not.toMatch(/user_id|\\ud800/);
    // A client key is embedded in apps, so it is as public as no key at all.
    expect((await call(healthRoute.GET, { token: TEST_CLIENT_KEY })).body.ingestion.lastError).toBe(pub.body.ingestion.lastError);
    const admin = await call(healthRoute.GET);
    expect(admin.body.ingestion.lastError).toMatch(/Code: 25/);
    expect(admin.body.ingestion.deadLetter.file).toBe(join(spoolDir(), "dead-letter.jsonl"));

    const metrics = (await call(metricsRoute.GET)).body as string;
    expect(metrics).toMatch(/verdict_ingest_dead_letters_total\{kind="refused"\} 2/);
    expect(metrics).toMatch(/verdict_ingest_dead_letter_entries 2/);

    clearDeadLetters();
    expect((await call(healthRoute.GET, { token: null })).body.status).toBe("ok");
  });

  it("splits with position-derived tokens: a crash mid-split neither loses nor duplicates rows", async () => {
    clearDeadLetters();
    fault = "refuse";
    const rows = Array.from({ length: 64 }, (_, i) => row(`split-${i}`, i % 21 === 5 ? { user_id: `bad\ud800${i}` } : {}));
    await ingestionPipeline().submit(rows);
    // The store goes away after three sub-batches made it: the drain stops mid-split.
    let okInserts = 0;
    setIngestionInserterWrapper((real) => async (...args) => {
      if (fault === "refuse") throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" });
      await real(...args);
      if (++okInserts === 3) fault = "refuse";
    });
    fault = "none";
    await expect(flushIngestion()).rejects.toMatchObject({ code: "store_unavailable" });
    expect(okInserts).toBe(3);
    expect((await rawCounts("split-")).size).toBeGreaterThan(0);
    await stopIngestion(); // "crash": the checkpoint still names the batch in flight
    fault = "none";
    setIngestionInserterWrapper(faultyInserter(() => fault));
    await flushIngestion();
    const counts = await rawCounts("split-");
    const bad = rows.filter((r) => r.user_id !== "u").map((r) => r.id);
    expect([...counts.keys()].sort()).toEqual(
      rows
        .map((r) => r.id)
        .filter((id) => !bad.includes(id))
        .sort(),
    );
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(deadLetters().map((d) => d.row.id))).toEqual(new Set(bad));
    clearDeadLetters();
  });

  it("in direct mode, a group the store refuses goes to the spool, where the drain isolates the bad row", async () => {
    const p = new IngestionPipeline(join(process.env.VERDICT_DATA_DIR!, "spool-direct-poison"), "direct", 64 * 1024 * 1024);
    await p.submit([row("dm-1"), row("dm-bad", { user_id: "\ud800" }), row("dm-2")]);
    expect(p.stats.spooledRows).toBe(3);
    await p.flush();
    expect(await rawCounts("dm-")).toEqual(
      new Map([
        ["dm-1", 1],
        ["dm-2", 1],
      ]),
    );
    expect(p.stats.deadLetteredRows).toBe(1);
    await p.close();
  });

  it("moves a damaged record between intact ones to the dead-letter file and drains the others", async () => {
    clearDeadLetters();
    fault = "refuse";
    for (const n of [0, 1, 2]) await ingestionPipeline().submit(Array.from({ length: 10 }, (_, i) => row(`crc-${n}-${i}`)));
    await stopIngestion();
    const dir = join(process.env.VERDICT_DATA_DIR!, "spool");
    const seg = join(
      dir,
      readdirSync(dir)
        .filter((f) => f.endsWith(".seg"))
        .sort()
        .at(-1)!,
    );
    const data = readFileSync(seg);
    const second = data.indexOf('"crc-1-0"');
    expect(second).toBeGreaterThan(0);
    data[second + 3] ^= 0x01; // bit rot in the middle record's payload
    writeFileSync(seg, data);
    fault = "none";
    setIngestionInserterWrapper(faultyInserter(() => fault));
    await flushIngestion();
    const counts = await rawCounts("crc-");
    expect([...counts.keys()].filter((id) => id.startsWith("crc-1-"))).toEqual([]);
    expect(counts.size).toBe(20);
    const dead = deadLetters();
    expect(dead).toEqual([expect.objectContaining({ kind: "corrupt", error: expect.stringMatching(/checksum/), base64: expect.any(String) })]);
    expect(Buffer.from(dead[0].base64, "base64").toString("latin1")).toContain("crc-1-9");
    expect(ingestionPipeline().stats.corruptRecords).toBe(1);
    clearDeadLetters();
  });
});

describe("which failures split a batch", () => {
  it("splits on the rows' errors only; the store's own failures and unknown ones are retried whole", () => {
    const ch = (code: number, msg: string) => new Error(`Code: ${code}. DB::Exception: ${msg}`);
    expect(isDataError(ch(25, "Cannot parse escape sequence: missing second part of surrogate pair"))).toBe(true);
    expect(isDataError(ch(27, "Cannot parse input: expected '{'"))).toBe(true);
    expect(isDataError(ch(252, "Too many partitions for single INSERT block (more than 100)"))).toBe(true);
    expect(isDataError(Object.assign(new Error("Cannot parse input"), { code: "27" }))).toBe(true); // @clickhouse/client's ClickHouseError
    expect(isDataError(ch(252, "Too many parts (300) in partition 202612. Merges are processing significantly slower than inserts"))).toBe(false);
    expect(isDataError(ch(243, "Cannot reserve 1.00 MiB, not enough space"))).toBe(false);
    expect(isDataError(ch(241, "Memory limit exceeded"))).toBe(false);
    expect(isDataError(ch(60, "Table verdict.events does not exist"))).toBe(false);
    expect(isDataError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" }))).toBe(false);
    expect(isDataError(new Error("socket hang up"))).toBe(false);
  });
});
