// The production server (server.ts, as `npm start`) with 300 real snapshot streams: a rollback made
// through the API reaches every one of them, /assign agrees at once, and a SIGTERM ends the streams
// instead of waiting out the graceful-close deadline on them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";
import { connectSse, type SseConnection } from "./helpers/sse";

const STREAMS = 300;
const dataDir = mkdtempSync(join(tmpdir(), "verdict-stream-"));
let server: NextServer;
const streams: SseConnection[] = [];
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" };

beforeAll(async () => {
  ensureBuilt();
  server = await startNextServer({ dataDir, env: { VERDICT_SEED_DEMO: "false" } });
  for (const key of ["fleet-canary", "fleet-toggle"]) {
    const created = await fetch(`${server.url}/api/v1/experiments`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ key, name: key, strategy: key.endsWith("canary") ? "canary" : "toggle" }),
    });
    expect(created.status).toBe(201);
    expect((await fetch(`${server.url}/api/v1/experiments/${key}/start`, { method: "POST", headers: admin, body: "{}" })).status).toBe(200);
  }
}, 600_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function statusOf(data: string, key: string): string | undefined {
  return (JSON.parse(data) as { experiments: { key: string; status: string }[] }).experiments.find((e) => e.key === key)?.status;
}

describe(`${STREAMS} streams on the production server`, () => {
  it("each stream gets the current snapshot, then the rollback made through the API", async () => {
    for (let i = 0; i < STREAMS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          connectSse(`${server.url}/api/v1/sdk/stream${(i + j) % 2 ? `?key=${TEST_CLIENT_KEY}` : ""}`, (i + j) % 2 ? {} : { authorization: `Bearer ${TEST_CLIENT_KEY}` }),
        ),
      );
      streams.push(...batch);
    }
    expect(streams.every((s) => s.status === 200)).toBe(true);
    await Promise.all(streams.map((s) => s.nextSnapshot(0)));
    const config = await fetch(`${server.url}/api/v1/sdk/config`, { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } });
    const etag = config.headers.get("etag");
    await config.text();
    expect(new Set(streams.map((s) => s.events[0].id))).toEqual(new Set([etag]));
    expect(streams.every((s) => statusOf(s.events[0].data, "fleet-canary") === "running")).toBe(true);

    const rolled = await fetch(`${server.url}/api/v1/experiments/fleet-canary/rollback`, { method: "POST", headers: admin, body: JSON.stringify({ reason: "300 streams" }) });
    expect(rolled.status).toBe(200);
    await rolled.text();
    await Promise.all(streams.map((s) => s.until(() => s.events.some((e) => statusOf(e.data, "fleet-canary") === "rolled_back"), 15_000, "the rollback")));
    const last = streams.map((s) => s.events[s.events.length - 1]);
    expect(last.every((e) => e.event === "snapshot" && statusOf(e.data, "fleet-canary") === "rolled_back")).toBe(true);

    const assign = await fetch(`${server.url}/api/v1/assign`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: "u1", log: false }),
    });
    const body = (await assign.json()) as { assignments: { experiment: string; variant: string; exposed: boolean }[] };
    expect(body.assignments.find((a) => a.experiment === "fleet-canary")).toMatchObject({ variant: "control", exposed: false });
    const after = await fetch(`${server.url}/api/v1/sdk/config`, { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } });
    expect(after.headers.get("etag")).toBe(last[0].id);
    await after.text();
  });

  it("answers a request without a key with 401 JSON on the direct path", async () => {
    const res = await fetch(`${server.url}/api/v1/sdk/stream`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("SIGTERM ends the open streams and the server exits well within its graceful deadline", async () => {
    const t0 = Date.now();
    await server.kill("SIGTERM");
    // the graceful close waits up to 10 s for connections; streams that stayed open would hold it
    expect(Date.now() - t0).toBeLessThan(8000);
    await Promise.all(streams.map((s) => s.until(() => s.closed, 5000, "the stream to end")));
  });
});
