// Cross-instance snapshot changes on a Postgres server (DATABASE_URL; skipped otherwise): an
// experiment change NOTIFYs on commit, and two other "instances" (two dedicated listeners, as two
// processes would have) receive it; a change that rolls back notifies nobody; a listener whose
// connection is killed reconnects; and a change committed by another connection reaches this
// process's stream and /assign.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, TEST_CLIENT_KEY } from "./helpers/app";
import { connectSse, type SseConnection } from "./helpers/sse";
import { adminQuery, serverUrl, warnIfNoServer, withDatabase } from "./helpers/postgres-server";

warnIfNoServer("test/stream-postgres.test.ts");

const dbName = `verdict_stream_${randomBytes(4).toString("hex")}`;
type Listener = import("@/db/listener").PgListener;
const listeners: Listener[] = [];
let server: Server;
let url = "";
let stream: SseConnection;

function received(into: string[]) {
  return (payload: string) => into.push(payload);
}

async function eventually(pred: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!serverUrl)("snapshot changes across instances on a Postgres server (LISTEN/NOTIFY)", () => {
  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${dbName}`);
    process.env.DATABASE_URL = withDatabase(serverUrl!, dbName);
    const { boot } = await import("@/server/boot");
    await boot({ background: false });
    const { serveSnapshotStream } = await import("@/server/streaming/http");
    server = createServer((req, res) => {
      if (!serveSnapshotStream(req, res, req.url?.split("?")[0])) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    stream?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    for (const l of listeners) await l.close();
    const { closeConfigStore } = await import("@/db/postgres");
    await closeConfigStore();
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  it("two listening instances receive a committed change, and when it arrives the change is visible to every connection", async () => {
    const { PgListener } = await import("@/db/listener");
    const { EXPERIMENT_CHANGED_CHANNEL } = await import("@/server/experiments/change");
    const got: string[][] = [[], []];
    for (const into of got) {
      const l = new PgListener(process.env.DATABASE_URL!);
      listeners.push(l);
      let ready = false;
      await l.listen(EXPERIMENT_CHANGED_CHANNEL, received(into), { onListening: () => (ready = true) });
      expect(ready).toBe(true);
    }
    const collection = await import("@/app/api/v1/experiments/route");
    const start = await import("@/app/api/v1/experiments/[key]/start/route");
    expect((await call(collection.POST, { body: { key: "pg-stream", name: "pg stream", strategy: "canary" } })).status).toBe(201);
    expect((await call(start.POST, { params: { key: "pg-stream" }, body: {} })).status).toBe(200);
    await eventually(() => got.every((g) => g.includes("pg-stream")), "both instances notified");

    // the notification is sent on commit: when it arrives, the change is visible to any other connection
    const { Client } = await import("pg");
    const reader = new Client({ connectionString: process.env.DATABASE_URL });
    await reader.connect();
    const seen: string[] = [];
    const l = new PgListener(process.env.DATABASE_URL!);
    listeners.push(l);
    await l.listen(EXPERIMENT_CHANGED_CHANNEL, () => void reader.query("select status from experiments where key = 'pg-stream'").then((r) => seen.push(r.rows[0].status)), {});
    const pause = await import("@/app/api/v1/experiments/[key]/pause/route");
    const resume = await import("@/app/api/v1/experiments/[key]/resume/route");
    expect((await call(pause.POST, { params: { key: "pg-stream" }, body: {} })).status).toBe(200);
    expect((await call(resume.POST, { params: { key: "pg-stream" }, body: {} })).status).toBe(200);
    await eventually(() => seen.length === 2, "two notifications");
    await l.close();
    await reader.end();
    expect(seen[0]).toBe("paused");
  });

  it("a listener whose connection is terminated reconnects and hears later changes", async () => {
    const { EXPERIMENT_CHANGED_CHANNEL } = await import("@/server/experiments/change");
    const { PgListener } = await import("@/db/listener");
    const l = new PgListener(process.env.DATABASE_URL!);
    listeners.push(l);
    const got: string[] = [];
    let lost = 0;
    let listening = 0;
    await l.listen(EXPERIMENT_CHANGED_CHANNEL, received(got), { onLost: () => lost++, onListening: () => listening++ });
    const pid = l.backendPid();
    expect(pid).toBeGreaterThan(0);
    await adminQuery(`SELECT pg_terminate_backend(${pid})`, dbName);
    await eventually(() => lost === 1 && listening === 2, "lost, then listening again");
    expect(l.backendPid()).not.toBe(pid);
    const pause = await import("@/app/api/v1/experiments/[key]/pause/route");
    expect((await call(pause.POST, { params: { key: "pg-stream" }, body: {} })).status).toBe(200);
    await eventually(() => got.includes("pg-stream"), "notified after the reconnect");
  });

  it("a change committed by another connection (another instance) reaches this process's stream and /assign", async () => {
    stream = await connectSse(`${url}/api/v1/sdk/stream`, { authorization: `Bearer ${TEST_CLIENT_KEY}` });
    await stream.nextSnapshot(0);
    // the other instance: its own connection, the row and the NOTIFY in one transaction
    const { EXPERIMENT_CHANGED_CHANNEL } = await import("@/server/experiments/change");
    await adminQuery(
      `BEGIN; UPDATE experiments SET status = 'rolled_back', version = version + 1 WHERE key = 'pg-stream'; SELECT pg_notify('${EXPERIMENT_CHANGED_CHANNEL}', 'pg-stream'); COMMIT;`,
      dbName,
    );
    const ev = await stream.nextSnapshot(1, 5000);
    expect(JSON.parse(ev.data).experiments[0]).toMatchObject({ key: "pg-stream", status: "rolled_back" });
    const assign = await import("@/app/api/v1/assign/route");
    const res = await call(assign.POST, { token: TEST_CLIENT_KEY, body: { userId: "u1", log: false } });
    expect(res.body.assignments[0]).toMatchObject({ experiment: "pg-stream", variant: "control", exposed: false });
  });
});
