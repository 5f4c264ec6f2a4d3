// Overload is shed by load, not by a per-key number: when commits cannot keep up (here the store
// answers slowly in direct mode, so the group-commit queue fills), requests beyond
// VERDICT_INGEST_QUEUE_MAX_BYTES get 503 `overloaded` with Retry-After, nothing of them is stored,
// and everything acknowledged is stored exactly once.
process.env.VERDICT_INGEST_MODE = "direct";
process.env.VERDICT_INGEST_QUEUE_MAX_BYTES = String(64 * 1024);

import { beforeAll, describe, expect, it } from "vitest";
import * as events from "@/app/api/v1/events/route";
import { chQuery } from "@/db/clickhouse/client";
import { flushIngestion, setIngestionInserterWrapper } from "@/server/ingestion/pipeline";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

let gate: Promise<void> = Promise.resolve();
let open = () => {};

beforeAll(async () => {
  await setupStores();
  setIngestionInserterWrapper((real) => async (...args) => {
    await gate;
    await real(...args);
  });
});

const batch = (k: number) => ({
  events: Array.from({ length: 100 }, (_, i) => ({ id: `ov-${k}-${i}`, type: "engagement", userId: `ov-u${i}`, properties: { pad: "p".repeat(100) } })),
});

describe("ingestion under overload", () => {
  it("sheds requests beyond the queue bound with 503 overloaded and Retry-After, losing nothing it acknowledged", async () => {
    gate = new Promise((r) => (open = r));
    const pending = Array.from({ length: 40 }, (_, k) => call(events.POST, { method: "POST", path: "/api/v1/events", token: TEST_CLIENT_KEY, body: batch(k) }).then((res) => ({ k, res })));
    // the refused answer at once, while the store still holds the first commit
    const settled = await Promise.race([Promise.all(pending), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 3_000))]);
    expect(settled).toBe("timeout");
    open();
    const results = await Promise.all(pending);
    const refused = results.filter((r) => r.res.status === 503);
    const acked = results.filter((r) => r.res.status === 200);
    expect(refused.length + acked.length).toBe(40);
    expect(refused.length).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.res.body.error.code).toBe("overloaded");
      expect(r.res.headers.get("retry-after")).toBe("1");
    }

    await flushIngestion();
    const rows = await chQuery<{ id: string; n: number }>("SELECT id, count() AS n FROM events WHERE startsWith(id, 'ov-') GROUP BY id");
    const want = new Set(acked.flatMap((r) => batch(r.k).events.map((e) => e.id)));
    expect(rows.length).toBe(want.size);
    for (const r of rows) {
      expect(want.has(r.id)).toBe(true);
      expect(Number(r.n)).toBe(1);
    }

    // retried as a client does (one at a time here), the refused requests are taken
    for (const r of refused) expect((await call(events.POST, { method: "POST", path: "/api/v1/events", token: TEST_CLIENT_KEY, body: batch(r.k) })).status).toBe(200);
  });
});
