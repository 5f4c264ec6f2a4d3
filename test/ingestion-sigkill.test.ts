// SIGKILL in the middle of a load test loses no acknowledged event: a real `next start` process on
// a fresh data directory takes concurrent batches, is killed with SIGKILL, restarted (the spool
// replays), stopped, and then every acknowledged id is in ClickHouse exactly once, as raw rows.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { chQuery } from "@/db/clickhouse/client";
import { TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const dataDir = process.env.VERDICT_DATA_DIR!; // fresh per test file; this process opens it only at the end
const serverEnv = { VERDICT_SEED_DEMO: "false" };
let server: NextServer | undefined;

afterAll(async () => {
  await server?.kill("SIGKILL");
});

function batch(n: number) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({ id: randomUUID(), type: i % 2 ? "page_load" : "request", userId: `k${i % 97}`, value: 100 + i, timestamp: now }));
}

async function health(url: string): Promise<{ ingestion?: { spool: { depthEvents: number } } }> {
  return (await (await fetch(`${url}/api/health`)).json()) as { ingestion?: { spool: { depthEvents: number } } };
}

describe("SIGKILL during load", () => {
  it("loses no acknowledged event and duplicates none", { timeout: 900_000 }, async () => {
    ensureBuilt();
    server = await startNextServer({ dataDir, env: serverEnv });
    const { url } = server;
    const acked: string[] = [];
    let failed = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const events = batch(100);
        try {
          const res = await fetch(`${url}/api/v1/events`, {
            method: "POST",
            headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" },
            body: JSON.stringify({ events }),
          });
          const body = (await res.json()) as { accepted?: number };
          if (res.status === 200 && body.accepted === events.length) acked.push(...events.map((e) => e.id));
          else failed++;
        } catch {
          failed++; // the connection died with the server: not acknowledged
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    while (acked.length < 30_000) await new Promise((r) => setTimeout(r, 20));
    await server.kill("SIGKILL"); // mid-load: requests are in flight
    stop = true;
    await Promise.all(workers);
    expect(failed).toBeGreaterThan(0); // proves the kill cut requests in flight

    server = await startNextServer({ dataDir, env: serverEnv });
    for (let i = 0; i < 300 && (await health(server.url)).ingestion?.spool.depthEvents !== 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect((await health(server.url)).ingestion?.spool.depthEvents).toBe(0);
    await server.stop();
    server = undefined;

    // The server is gone: this process may open the data directory now.
    const rows = await chQuery<{ id: string; n: number }>("SELECT id, count() AS n FROM events GROUP BY id");
    const seen = new Map(rows.map((r) => [r.id, r.n]));
    const missing = acked.filter((id) => !seen.has(id));
    const duplicated = acked.filter((id) => (seen.get(id) ?? 0) > 1);
    expect({ acked: acked.length, missing: missing.length, duplicated: duplicated.length }).toEqual({ acked: acked.length, missing: 0, duplicated: 0 });
  });
});
