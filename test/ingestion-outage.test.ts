/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// The store fails at the client boundary (a wrapper around the real chDB inserter): ingestion keeps
// acknowledging into the spool, answers 503 when the spool is full, and after recovery every
// acknowledged event is in ClickHouse exactly once (raw rows, merges stopped), in order.
process.env.VERDICT_SPOOL_MAX_BYTES = String(1024 * 1024);

import { appendFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as events from "@/app/api/v1/events/route";
import * as experimentsRoute from "@/app/api/v1/experiments/route";
import * as startRoute from "@/app/api/v1/experiments/[key]/start/route";
import * as healthRoute from "@/app/api/health/route";
import { chCommand, chQuery } from "@/db/clickhouse/client";
import { env } from "@/core/env";
import { ingestionPipeline, IngestionPipeline, recoverSpool, setIngestionInserterWrapper, stopIngestion, flushIngestion } from "@/server/ingestion/pipeline";
import { validateEvents } from "@/server/ingestion/validate";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";
import { faultyInserter, type Fault } from "./helpers/ingest-faults";

let fault: Fault = "none";
let seq = 0;

/** A batch whose events carry a global sequence number (value) under a test-specific user prefix. */
function batch(prefix: string, n: number) {
  const now = Date.now();
  return Array.from({ length: n }, () => {
    const i = seq++;
    return { id: `${prefix}-${i}`, type: "metric", name: "seq", userId: `${prefix}-u${i % 50}`, value: i, timestamp: now, properties: { pad: "p".repeat(120) } };
  });
}

const post = (evts: unknown[]) => call(events.POST, { method: "POST", path: "/api/v1/events", token: TEST_CLIENT_KEY, body: { events: evts } });

/** Raw rows (no FINAL, merges stopped) of a prefix, with the insert block each landed in. */
async function stored(prefix: string) {
  return chQuery<{ id: string; value: number; block: number }>("SELECT id, value, toUInt64(splitByChar('_', _part)[2]) AS block FROM events WHERE startsWith(id, {p:String}) ORDER BY block, value", {
    p: `${prefix}-`,
  });
}

function expectExactlyOnceInOrder(rows: { id: string; value: number; block: number }[], acked: string[]) {
  expect(rows.length).toBe(acked.length);
  expect(new Set(rows.map((r) => r.id))).toEqual(new Set(acked));
  // Inserted in spool order: every block holds later sequence numbers than the blocks before it.
  for (let i = 1; i < rows.length; i++) expect(rows[i].value).toBeGreaterThan(rows[i - 1].value);
}

beforeAll(async () => {
  await setupStores();
  await chCommand("SYSTEM STOP MERGES events");
  setIngestionInserterWrapper(faultyInserter(() => fault));
});

describe("ingestion through a store outage", () => {
  it("acknowledges into the spool while inserts fail, answers 503 when full, drains in order once back", async () => {
    fault = "refuse";
    const acked: string[] = [];
    for (let round = 0; round < 5; round++) {
      const batches = Array.from({ length: 4 }, () => batch("out", 100));
      const results = await Promise.all(batches.map(post));
      results.forEach((r, i) => {
        expect(r.status).toBe(200);
        expect(r.body.accepted).toBe(100);
        acked.push(...batches[i].map((e) => e.id));
      });
    }
    expect(await stored("out")).toEqual([]);
    const h = await call(healthRoute.GET, { token: null });
    expect(h.body.ingestion.spool.depthEvents).toBe(2000);
    expect(h.body.ingestion.spool.depthBytes).toBeGreaterThan(0);
    expect(h.body.ingestion.lastError).toMatch(/ECONNREFUSED/);
    await expect(flushIngestion()).rejects.toMatchObject({ code: "store_unavailable" });

    // Keep sending until the 1 MiB spool is full: 503 with Retry-After, nothing half-accepted.
    let full: any;
    for (let i = 0; i < 100 && !full; i++) {
      const b = batch("out", 100);
      const r = await post(b);
      if (r.status === 200) acked.push(...b.map((e) => e.id));
      else full = r;
    }
    expect(full.status).toBe(503);
    expect(full.body.error.code).toBe("spool_full");
    expect(Number(full.headers.get("retry-after"))).toBeGreaterThan(0);

    fault = "none";
    await flushIngestion();
    expectExactlyOnceInOrder(await stored("out"), acked);
    expect((await call(healthRoute.GET, { token: null })).body.ingestion.spool.depthEvents).toBe(0);
  });

  it("replays the spool after a restart, cutting a torn unacknowledged tail", async () => {
    fault = "refuse";
    const acked: string[] = [];
    for (let i = 0; i < 3; i++) {
      const b = batch("restart", 100);
      expect((await post(b)).status).toBe(200);
      acked.push(...b.map((e) => e.id));
    }
    await stopIngestion(); // the process "dies" with a full spool
    const dir = join(env().dataDir, "spool");
    const last = readdirSync(dir)
      .filter((f) => f.endsWith(".seg"))
      .sort()
      .at(-1)!;
    appendFileSync(join(dir, last), Buffer.from([0x56, 0x53, 0x50, 0x31, 0xff, 0xff, 0, 0, 1, 0])); // half a record header
    fault = "none";
    setIngestionInserterWrapper(faultyInserter(() => fault));
    await recoverSpool();
    expectExactlyOnceInOrder(await stored("restart"), acked);
    expect(ingestionPipeline().spool.depth().rows).toBe(0);
  });

  it("does not duplicate a spool batch whose insert committed but whose acknowledgement was lost", async () => {
    fault = "refuse";
    const b = batch("lostack", 200);
    expect((await post(b)).status).toBe(200);
    fault = "lose-ack";
    await expect(flushIngestion()).rejects.toMatchObject({ code: "store_unavailable" });
    fault = "none";
    await flushIngestion();
    expectExactlyOnceInOrder(
      await stored("lostack"),
      b.map((e) => e.id),
    );
  });

  it("in direct mode inserts before acknowledging, and follows the spool while it is not empty", async () => {
    const p = new IngestionPipeline(join(env().dataDir, "spool-direct"), "direct", 64 * 1024 * 1024);
    p.wrapInserter = faultyInserter(() => fault);
    const rows = (n: number) => validateEvents(batch("direct", n), { receivedAt: Date.now(), catalog: { has: () => "ok" } }).rows;
    const sent: number[] = [];
    const submit = async (n: number) => {
      const r = rows(n);
      await p.submit(r);
      sent.push(...r.map((x) => x.value));
    };
    fault = "none";
    await submit(100);
    expect(p.stats).toMatchObject({ inserts: 1, spooledRows: 0 });
    fault = "refuse";
    await Promise.all([submit(100), submit(100), submit(100)]);
    expect(p.spool.depth().rows).toBe(300);
    fault = "none";
    await submit(100); // the spool is not empty: this group queues behind it rather than overtaking
    await p.flush();
    await p.close();
    const got = await stored("direct");
    expectExactlyOnceInOrder(
      got,
      got.map((r) => r.id),
    );
    expect(got.map((r) => r.value)).toEqual(sent.sort((a, b) => a - b));
  });

  it("keeps answering /assign while the spool is full, and counts the exposures it could not store", async () => {
    expect((await call(experimentsRoute.POST, { body: { key: "outage-ab", name: "Outage A/B", strategy: "ab" } })).status).toBe(201);
    expect((await call(startRoute.POST, { params: { key: "outage-ab" }, body: {} })).status).toBe(200);
    fault = "refuse";
    // Fill the spool to the last few hundred bytes: until even a one-event batch is refused.
    for (const size of [100, 10, 1]) {
      let full = false;
      for (let i = 0; i < 1000 && !full; i++) full = (await post(batch("fill", size))).status === 503;
      expect(full).toBe(true);
    }
    const failuresBefore = ingestionPipeline().stats.detachedFailures;

    const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { userId: "spool-full-user" } });
    expect(res.status).toBe(200);
    expect(res.body.assignments.find((a: { experiment: string }) => a.experiment === "outage-ab")).toMatchObject({ exposed: true });
    await flushIngestion().catch(() => undefined); // waits for the detached exposure to settle (here: fail)
    expect(ingestionPipeline().stats.detachedFailures).toBeGreaterThan(failuresBefore);
    const h = await call(healthRoute.GET, { token: null });
    expect(h.body.ingestion.detachedFailures).toBe(ingestionPipeline().stats.detachedFailures);

    fault = "none";
    await flushIngestion();
  });
});
