// Two production servers (server.ts) sharing one Postgres config store (DATABASE_URL; skipped
// otherwise), each with its own event store: a rollback made through instance A's API reaches the
// snapshot streams held by instance B, and B's /assign agrees, through LISTEN/NOTIFY.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";
import { connectSse, type SseConnection } from "./helpers/sse";
import { adminQuery, serverUrl, warnIfNoServer, withDatabase } from "./helpers/postgres-server";

warnIfNoServer("test/stream-instances.test.ts");

const dbName = `verdict_instances_${randomBytes(4).toString("hex")}`;
const dirs = [mkdtempSync(join(tmpdir(), "verdict-inst-a-")), mkdtempSync(join(tmpdir(), "verdict-inst-b-"))];
const servers: NextServer[] = [];
const streams: SseConnection[] = [];
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" };

describe.skipIf(!serverUrl)("two instances sharing a Postgres config store", () => {
  beforeAll(async () => {
    ensureBuilt();
    await adminQuery(`CREATE DATABASE ${dbName}`);
    const env = { VERDICT_SEED_DEMO: "false", DATABASE_URL: withDatabase(serverUrl!, dbName) };
    // one after the other: the first migrates the shared store
    for (const dataDir of dirs) servers.push(await startNextServer({ dataDir, env }));
  }, 600_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await Promise.all(servers.map((s) => s.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  it("a rollback through instance A reaches the streams on instance B, and B's /assign", async () => {
    const [a, b] = servers;
    expect((await fetch(`${a.url}/api/v1/experiments`, { method: "POST", headers: admin, body: JSON.stringify({ key: "shared", name: "shared", strategy: "canary" }) })).status).toBe(201);
    expect((await fetch(`${a.url}/api/v1/experiments/shared/start`, { method: "POST", headers: admin, body: "{}" })).status).toBe(200);
    for (let i = 0; i < 20; i++) streams.push(await connectSse(`${b.url}/api/v1/sdk/stream`, { authorization: `Bearer ${TEST_CLIENT_KEY}` }));
    const status = (data: string) => (JSON.parse(data) as { experiments: { key: string; status: string }[] }).experiments.find((e) => e.key === "shared")?.status;
    await Promise.all(streams.map((s) => s.until(() => s.events.some((e) => status(e.data) === "running"), 10_000, "the running canary")));

    const rolled = await fetch(`${a.url}/api/v1/experiments/shared/rollback`, { method: "POST", headers: admin, body: JSON.stringify({ reason: "instance A" }) });
    expect(rolled.status).toBe(200);
    await Promise.all(streams.map((s) => s.until(() => s.events.some((e) => status(e.data) === "rolled_back"), 10_000, "the rollback on instance B")));
    const res = await fetch(`${b.url}/api/v1/assign`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: "u1", log: false }),
    });
    const body = (await res.json()) as { assignments: { experiment: string; variant: string; exposed: boolean }[] };
    expect(body.assignments.find((x) => x.experiment === "shared")).toMatchObject({ variant: "control", exposed: false });
  });
});
