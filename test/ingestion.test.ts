/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// POST /api/v1/events against the real stores: every error path, partial rejection, gzip,
// the rate limit, and retry idempotency counted the way analysis counts (FINAL, before merges).
process.env.VERDICT_INGEST_RATE_LIMIT = "1000";

import { gzipSync } from "node:zlib";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as events from "@/app/api/v1/events/route";
import { chCommand, chQuery } from "@/db/clickhouse/client";
import { SYSTEM } from "@/server/auth/principal";
import { createExperiment } from "@/server/experiments/create";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { eventsOnce } from "@/server/ingestion/dedup.sql";
import { ingestEvents } from "@/server/ingestion/ingest";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { resetRateLimits } from "@/server/ingestion/rate-limit";
import { call, setupStores, TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/app";
import { eventBatch } from "./helpers/ingest-events";

const post = (body: unknown, opts: { token?: string | null; path?: string; headers?: Record<string, string> } = {}) =>
  call(events.POST, {
    method: "POST",
    path: opts.path ?? "/api/v1/events",
    token: opts.token === undefined ? TEST_CLIENT_KEY : opts.token,
    headers: opts.headers,
    ...(typeof body === "string" || body instanceof Uint8Array ? { rawBody: body as BodyInit } : { body }),
  });

const countOf = async (sql: string, params: Record<string, unknown> = {}) => Number((await chQuery<{ n: number }>(sql, params))[0].n);

beforeAll(async () => {
  await setupStores();
  await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key: "realtime-tracking", name: "Real-time tracking", strategy: "canary" }) });
});
beforeEach(() => resetRateLimits());

describe("POST /api/v1/events", () => {
  it("accepts the issue's example batch, with gzip, and stores normalised rows", async () => {
    const now = Date.now();
    const batch = [
      { id: "ex-1", type: "exposure", userId: "u1", experiment: "realtime-tracking", variant: "treatment", timestamp: new Date(now).toISOString() },
      { id: "ex-2", type: "page_load", userId: "u1", value: 812, properties: { page: "tracking", region: "eu" }, timestamp: now },
      { id: "ex-3", type: "request", userId: "u1" },
      { id: "ex-4", type: "error", userId: "u1", properties: { code: "TIMEOUT" } },
      { id: "ex-5", type: "engagement", instanceId: "i-7" },
      { id: "ex-6", type: "feedback", userId: "u1", value: 4 },
      { id: "ex-7", type: "metric", name: "orders_placed", userId: "u1", value: 2 },
    ];
    const res = await post(gzipSync(JSON.stringify({ events: batch })), { headers: { "content-encoding": "gzip", "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 7, rejected: [] });
    await flushIngestion();
    const rows = await chQuery<any>("SELECT id, type, name, user_id, experiment, variant, value, properties FROM events WHERE id LIKE 'ex-%' ORDER BY id");
    expect(rows.map((r) => [r.id, r.value])).toEqual([
      ["ex-1", 1],
      ["ex-2", 812],
      ["ex-3", 1],
      ["ex-4", 1],
      ["ex-5", 1],
      ["ex-6", 4],
      ["ex-7", 2],
    ]);
    expect(rows[0]).toMatchObject({ experiment: "realtime-tracking", variant: "treatment" });
    expect(JSON.parse(rows[1].properties)).toEqual({ page: "tracking", region: "eu" });
    expect(rows[4].user_id).toBe("i-7");
    expect(rows[6].name).toBe("orders_placed");
    const fe = await chQuery<any>("SELECT argMinMerge(variant) AS v FROM first_exposures WHERE experiment = 'realtime-tracking' AND user_id = 'u1'");
    expect(fe[0].v).toBe("treatment");
  });

  it("keeps the valid events of a batch and rejects the others by index", async () => {
    const now = Date.now();
    const batch = [
      { id: "p-0", type: "page_load", userId: "u2", value: 100 },
      { id: "p-1", type: "page_load", userId: "u2" },
      { id: "p-2", type: "feedback", userId: "u2", value: 6 },
      { id: "p-3", type: "feedback", userId: "u2", value: 2.5 },
      { id: "p-4", type: "page_load", userId: "u2", value: -1 },
      { id: "p-5", type: "metric", userId: "u2", value: 1 },
      { id: "p-6", type: "nope", userId: "u2" },
      { type: "request", userId: "u2" },
      { id: "p-8", type: "request" },
      { id: "p-9", type: "request", userId: "u2", timestamp: now + 10 * 60_000 },
      { id: "p-10", type: "request", userId: "u2", timestamp: "yesterday" },
      { id: "p-11", type: "exposure", userId: "u2", experiment: "no-such-experiment", variant: "control" },
      { id: "p-12", type: "exposure", userId: "u2", experiment: "realtime-tracking", variant: "purple" },
      { id: "p-13", type: "request", userId: "u2", properties: { nested: { a: 1 } } },
      { id: "p-14", type: "request", userId: "u2", properties: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])) },
      { id: "x".repeat(200), type: "request", userId: "u2" },
      "not an event",
      { id: "p-17", type: "request", userId: "u2", timestamp: now + 60_000 },
      { id: "p-18", type: "engagement", userId: "u2", value: "1" },
    ];
    const res = await post({ events: batch });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    const codes = Object.fromEntries(res.body.rejected.map((r: any) => [r.index, r.code]));
    expect(codes).toEqual({
      1: "invalid_value",
      2: "invalid_value",
      3: "invalid_value",
      4: "invalid_value",
      5: "invalid_name",
      6: "invalid_type",
      7: "invalid_id",
      8: "invalid_user",
      9: "timestamp_in_future",
      10: "invalid_timestamp",
      11: "unknown_experiment",
      12: "unknown_variant",
      13: "invalid_properties",
      14: "invalid_properties",
      15: "invalid_id",
      16: "invalid_event",
      18: "invalid_value",
    });
    for (const r of res.body.rejected) expect(r.message).toEqual(expect.any(String));
    await flushIngestion();
    expect(await countOf("SELECT count() AS n FROM events WHERE id IN ('p-0', 'p-17')")).toBe(2);
    expect(await countOf("SELECT count() AS n FROM events WHERE user_id = 'u2'")).toBe(2);
  });

  it("answers 400 for a body that is not JSON or not the envelope", async () => {
    const notJson = await post("{ events: nope");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("invalid_json");
    for (const body of [{}, { events: {} }, [], { event: [] }]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "bad_request", message: expect.stringMatching(/events/) });
    }
    const badGzip = await post("plain text", { headers: { "content-encoding": "gzip" } });
    expect(badGzip.status).toBe(400);
  });

  it("answers 413 beyond 1,000 events, 1 MiB, or a gzip body inflating too far", async () => {
    const many = await post({ events: eventBatch(1001, { experiment: "realtime-tracking" }) });
    expect(many.status).toBe(413);
    expect(many.body.error.code).toBe("payload_too_large");
    const big = await post({ events: [{ id: "big", type: "request", userId: "u", properties: { pad: "x".repeat(1024 * 1024) } }] });
    expect(big.status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 32));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const inflated = await post(bomb, { headers: { "content-encoding": "gzip" } });
    expect(inflated.status).toBe(413);
  });

  it("answers 401 without a key or with a wrong one, and accepts ?key= for sendBeacon", async () => {
    expect((await post({ events: [] }, { token: null })).status).toBe(401);
    expect((await post({ events: [] }, { token: "vd_cli_wrong_key_000000000000000000000000" })).status).toBe(401);
    const beacon = await post({ events: [{ id: "beacon-1", type: "engagement", userId: "u3" }] }, { token: null, path: `/api/v1/events?key=${TEST_CLIENT_KEY}` });
    expect(beacon.status).toBe(200);
    expect(beacon.body.accepted).toBe(1);
    expect((await post({ events: [] }, { token: TEST_ADMIN_TOKEN })).status).toBe(200);
  });

  it("answers 429 with Retry-After when a key exceeds its events per second", async () => {
    const first = await post({ events: eventBatch(1000, { experiment: "realtime-tracking" }) });
    expect(first.status).toBe(200);
    const second = await post({ events: eventBatch(600, { experiment: "realtime-tracking" }) });
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe("rate_limited");
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("counts a batch sent three times once, before any merge", async () => {
    // Merges stopped: ReplacingMergeTree must not get the chance to hide duplicates for us.
    await chCommand("SYSTEM STOP MERGES events");
    const batch = eventBatch(300, { experiment: "realtime-tracking", users: 20, seed: 7 }).map((e, i) => ({ ...e, userId: `retry-${i % 20}` }));
    // Flushed between sends so the copies land in separate inserts (ReplacingMergeTree already
    // collapses duplicates within one insert block).
    for (let i = 0; i < 3; i++) {
      expect((await post({ events: batch })).body.accepted).toBe(300);
      await flushIngestion();
    }
    const raw = await countOf("SELECT count() AS n FROM events WHERE startsWith(user_id, 'retry-')");
    expect(raw).toBe(900); // three inserts, not merged yet: the dedup must happen in the query
    const perUser = await chQuery<{ user_id: string; total: number; n: number }>(
      `SELECT user_id, sum(value) AS total, count() AS n FROM ${eventsOnce("startsWith(user_id, {p:String}) AND type = 'page_load'")} GROUP BY user_id ORDER BY user_id`,
      { p: "retry-" },
    );
    const expected = new Map<string, { total: number; n: number }>();
    for (const e of batch.filter((e) => e.type === "page_load")) {
      const cur = expected.get(e.userId) ?? { total: 0, n: 0 };
      expected.set(e.userId, { total: cur.total + (e.value ?? 0), n: cur.n + 1 });
    }
    expect(perUser.length).toBe(expected.size);
    for (const r of perUser) expect({ total: r.total, n: r.n }).toEqual(expected.get(r.user_id));
    expect(await countOf(`SELECT count() AS n FROM ${eventsOnce("startsWith(user_id, 'retry-')")}`)).toBe(300);
    await chCommand("SYSTEM START MERGES events");
  });

  it("ingests server-generated exposures through the same path, and sees a new experiment at once", async () => {
    await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key: "brand-new", name: "New", strategy: "ab" }) });
    const res = await ingestEvents({ principal: SYSTEM, rateLimit: false, events: [{ id: "srv-1", type: "exposure", userId: "u9", experiment: "brand-new", variant: "control" }] });
    expect(res).toEqual({ accepted: 1, rejected: [] });
    await flushIngestion();
    expect(await countOf("SELECT count() AS n FROM first_exposures WHERE experiment = 'brand-new'")).toBe(1);
  });

  it("takes a missing timestamp from a UUIDv7 id, so retries keep their partition", async () => {
    const at = Date.UTC(2026, 0, 31, 23, 59, 59, 500);
    const id = `${at
      .toString(16)
      .padStart(12, "0")
      .replace(/^(.{8})(.{4})$/, "$1-$2")}-7abc-8def-0123456789ab`;
    expect((await post({ events: [{ id, type: "engagement", userId: "u10" }] })).body.accepted).toBe(1);
    await flushIngestion();
    const [row] = await chQuery<{ t: number }>("SELECT toUnixTimestamp64Milli(timestamp) AS t FROM events WHERE id = {id:String}", { id });
    expect(row.t).toBe(at);
  });
});
