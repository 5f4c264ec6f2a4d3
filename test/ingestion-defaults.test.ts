// Defaults are the product: the production server at default settings, one client key (every app
// install embeds the same one) and 32 connections posting 100-event batches at full speed must get
// no 429. Overload is shed by load (503 + Retry-After when the spool or the queue is full), never by
// a fixed per-key number nobody chose.
import autocannon from "autocannon";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { eventBatch } from "./helpers/ingest-events";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const dataDir = mkdtempSync(join(tmpdir(), "verdict-defaults-"));
let server: NextServer;

beforeAll(async () => {
  ensureBuilt();
  // nothing but what a test server needs: no rate-limit or spool setting of any kind
  const env: Record<string, string> = { VERDICT_SEED_DEMO: "false" };
  delete process.env.VERDICT_INGEST_RATE_LIMIT;
  delete process.env.VERDICT_SPOOL_MAX_BYTES;
  server = await startNextServer({ dataDir, env, timeoutMs: 120_000 });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("ingestion at default settings", () => {
  it("takes 32 connections at full speed on one client key without a 429", async () => {
    const created = await fetch(`${server.url}/api/v1/experiments`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ key: "realtime-tracking", name: "Real-time tracking", strategy: "canary" }),
    });
    expect(created.status).toBe(201);

    const template = eventBatch(100, { experiment: "realtime-tracking", users: 50_000, seed: 7 });
    let n = 0;
    const statuses = new Map<number, number>();
    const result = await autocannon({
      url: `${server.url}/api/v1/events`,
      connections: 32,
      duration: 6,
      method: "POST",
      headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" },
      requests: [
        {
          setupRequest: (req) => {
            const k = n++;
            const now = Date.now();
            return { ...req, body: JSON.stringify({ events: template.map((e, i) => ({ ...e, id: `d${k}-${i}`, timestamp: now })) }) };
          },
          onResponse: (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
        },
      ],
    });
    const ok = statuses.get(200) ?? 0;
    expect(Object.fromEntries(statuses)).toEqual({ 200: ok });
    expect(result.errors).toBe(0);
    // the old default (2,000 events/s, burst 2,000) answered 429 from the first second on
    expect(ok * 100).toBeGreaterThan(2_000 * (result.duration + 1));

    const health = (await (await fetch(`${server.url}/api/health`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).json()) as { ingestion: { acceptedRows: number } };
    expect(health.ingestion.acceptedRows).toBeGreaterThanOrEqual(ok * 100);
  }, 120_000);
});
