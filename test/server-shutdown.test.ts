// SIGTERM in the middle of a load test: the production server (server.ts) answers the requests in
// flight, makes every exposure it logged for an answered POST /api/v1/assign durable, and exits.
// Those exposures are answered before they are fsynced (they join the next group commit), so an
// exit on the signal alone drops the ones still queued. Afterwards every unit that was answered
// with an exposure has its exposure row in ClickHouse. Both ingestion modes: "direct" (exposures
// wait on a ClickHouse insert, a wide window: an exit on the signal alone lost some every time this
// was tried) and "spool", the default (they wait on an fsync: it lost some about one run in three).
import { afterAll, describe, expect, it } from "vitest";
import { chQuery } from "@/db/clickhouse/client";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const dataDir = process.env.VERDICT_DATA_DIR!; // fresh per test file; this process opens it only at the end
// TSX_DISABLE_CACHE: as on a machine that never ran the server, tsx compiles every module on first
// import through its esbuild service, which a signal to the process group stops too
const serverEnv = { VERDICT_SEED_DEMO: "false", VERDICT_EVALUATOR_INTERVAL_SECONDS: "0", TSX_DISABLE_CACHE: "1" };
const MODES = ["direct", "spool"] as const;
const KEY = "shutdown-ab";
let server: NextServer | undefined;

afterAll(async () => {
  await server?.kill("SIGKILL");
});

async function admin(path: string, body: unknown): Promise<number> {
  const res = await fetch(`${server!.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  await res.body?.cancel();
  return res.status;
}

async function spoolDepth(url: string): Promise<number | undefined> {
  const h = (await (await fetch(`${url}/api/health`)).json()) as { ingestion?: { spool: { depthEvents: number } } };
  return h.ingestion?.spool.depthEvents;
}

describe("SIGTERM during load", () => {
  it("stores the exposure of every answered assignment before the process exits", { timeout: 600_000 }, async () => {
    ensureBuilt();
    const answered: Record<string, string[]> = {};
    for (const mode of MODES) {
      server = await startNextServer({ dataDir, env: { ...serverEnv, VERDICT_INGEST_MODE: mode } });
      if (mode === MODES[0]) {
        expect(await admin("/api/v1/experiments", { key: KEY, name: "Shutdown", strategy: "ab" })).toBe(201);
        expect(await admin(`/api/v1/experiments/${KEY}/start`, {})).toBe(200);
      }
      answered[mode] = await loadThenSigterm(server, mode);
      expect(server.output()).toContain("SIGTERM: finishing requests in flight and storing accepted events");
      expect(server.output()).not.toMatch(/\[verdict\] (shutdown:|stores not closed)/);
    }

    // a restart replays whatever the spool holds into ClickHouse
    server = await startNextServer({ dataDir, env: serverEnv });
    for (let i = 0; i < 300 && (await spoolDepth(server.url)) !== 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await spoolDepth(server.url)).toBe(0);
    await server.stop();
    server = undefined;

    // The server is gone: this process may open the data directory now.
    const stored = new Set((await chQuery<{ user_id: string }>("SELECT DISTINCT user_id FROM events WHERE type = 'exposure' AND experiment = {key:String}", { key: KEY })).map((r) => r.user_id));
    for (const mode of MODES) {
      const missing = answered[mode].filter((u) => !stored.has(u));
      expect({ mode, answered: answered[mode].length, missing: missing.length }).toEqual({ mode, answered: answered[mode].length, missing: 0 });
    }
  });
});

/** 16 clients assign distinct units until 3,000 are answered, then SIGTERM while requests are in flight. */
async function loadThenSigterm(target: NextServer, prefix: string): Promise<string[]> {
  const answered: string[] = [];
  let stop = false;
  let next = 0;
  const worker = async () => {
    while (!stop) {
      const userId = `${prefix}-${next++}`;
      try {
        const res = await fetch(`${target.url}/api/v1/assign`, {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ userId }),
        });
        const body = (await res.json()) as { assignments?: { experiment: string; exposed: boolean }[] };
        if (res.status === 200 && body.assignments?.some((a) => a.experiment === KEY && a.exposed)) answered.push(userId);
      } catch {
        // the connection closed with the server: not answered
      }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  while (answered.length < 3_000) await new Promise((r) => setTimeout(r, 10));
  await target.kill("SIGTERM"); // requests are in flight and exposures queued
  stop = true;
  await Promise.all(workers);
  return answered;
}
