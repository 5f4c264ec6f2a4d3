// GET /api/v1/sdk/stream on the embedded store (PGlite), through the production server's direct
// handler (src/server/streaming/http.ts) on a real node:http server: the same snapshot and etag as
// GET /api/v1/sdk/config, on connect and on every change, Last-Event-ID, heartbeats, key checks, a
// change signalled only by NOTIFY (as another instance's), /assign reading the same snapshot, the
// route handler Next serves (a web stream), slow consumers and the stream limit.
process.env.VERDICT_STREAM_HEARTBEAT_SECONDS = "0.3";
process.env.VERDICT_STREAM_MAX_CONNECTIONS = "40";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as configRoute from "@/app/api/v1/sdk/config/route";
import * as streamRoute from "@/app/api/v1/sdk/stream/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as pause from "@/app/api/v1/experiments/[key]/pause/route";
import * as resume from "@/app/api/v1/experiments/[key]/resume/route";
import * as rollback from "@/app/api/v1/experiments/[key]/rollback/route";
import * as keysRoute from "@/app/api/v1/keys/route";
import * as keyRoute from "@/app/api/v1/keys/[id]/route";
import { getDb } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { EXPERIMENT_CHANGED_CHANNEL } from "@/server/experiments/change";
import { MAX_BUFFERED_BYTES, streamHub } from "@/server/streaming/hub";
import { serveSnapshotStream } from "@/server/streaming/http";
import { VerdictClient, type SnapshotChange } from "@/sdk/client";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";
import { connectSse, type SseConnection } from "./helpers/sse";

let server: Server;
let url = "";
const open: SseConnection[] = [];

async function stream(headers: Record<string, string> = { authorization: `Bearer ${TEST_CLIENT_KEY}` }, query = ""): Promise<SseConnection> {
  const c = await connectSse(`${url}/api/v1/sdk/stream${query}`, headers);
  open.push(c);
  return c;
}

async function config() {
  const res = await call(configRoute.GET, { token: TEST_CLIENT_KEY });
  return { etag: res.headers.get("etag")!, body: res.body as { experiments: { key: string; status: string; enabled: boolean }[] } };
}

beforeAll(async () => {
  await setupStores();
  for (const key of ["s-one", "s-two"]) {
    expect((await call(collection.POST, { body: { key, name: key, strategy: "canary" } })).status).toBe(201);
    expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
  }
  server = createServer((req, res) => {
    const q = req.url?.indexOf("?") ?? -1;
    const pathname = q < 0 ? req.url : req.url?.slice(0, q);
    if (serveSnapshotStream(req, res, pathname)) return;
    if (pathname !== "/api/v1/sdk/config") return void res.writeHead(404).end();
    // the config route too, so VerdictClient can run against this server
    const headers = new Headers(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === "string"));
    void configRoute.GET(new Request(`http://localhost${req.url}`, { headers }), { params: Promise.resolve({}) }).then(async (r) => {
      res.writeHead(r.status, Object.fromEntries(r.headers)).end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of open) c.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("GET /api/v1/sdk/stream", () => {
  it("sends the config's snapshot and etag on connect, and every change at once", async () => {
    const s = await stream();
    expect(s.status).toBe(200);
    expect(s.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const first = await s.nextSnapshot(0);
    const cfg = await config();
    expect(first).toMatchObject({ event: "snapshot", id: cfg.etag });
    expect(JSON.parse(first.data).experiments).toEqual(cfg.body.experiments);

    await call(pause.POST, { params: { key: "s-one" }, body: { reason: "stream test" } });
    const second = await s.nextSnapshot(1);
    const after = await config();
    expect(second.id).toBe(after.etag);
    expect(second.id).not.toBe(first.id);
    expect(JSON.parse(second.data).experiments.find((e: { key: string }) => e.key === "s-one").status).toBe("paused");
    await call(resume.POST, { params: { key: "s-one" }, body: {} });
    await s.nextSnapshot(2);
  });

  it("VerdictClient streams from the real endpoint: init from the config, then each change pushed", async () => {
    const c = new VerdictClient({ baseUrl: url, clientKey: TEST_CLIENT_KEY, refreshIntervalMs: 0, flushIntervalMs: 0 });
    const changes: SnapshotChange[] = [];
    c.onSnapshot((_s, ch) => changes.push(ch));
    try {
      await c.init();
      await vi.waitFor(() => expect(c.stats.streaming).toBe(true));
      const statusOf = () => c.snapshot?.experiments.find((e) => e.key === "s-one")?.status;
      expect(statusOf()).toBe("running");
      await call(pause.POST, { params: { key: "s-one" }, body: {} });
      await vi.waitFor(() => expect(changes.map((ch) => ch.source)).toEqual(["poll", "stream"]));
      expect(changes[1].etag).toBe((await config()).etag);
      expect(statusOf()).toBe("paused");
      expect(c.stats).toMatchObject({ snapshotFetches: 1, streamConnects: 1, streamSnapshots: 1 });
    } finally {
      await c.close();
      await call(resume.POST, { params: { key: "s-one" }, body: {} });
    }
  });

  it("a reconnect whose Last-Event-ID is current gets nothing new; an older one gets the current snapshot", async () => {
    const { etag } = await config();
    const same = await stream({ authorization: `Bearer ${TEST_CLIENT_KEY}`, "last-event-id": etag });
    await same.until(() => same.comments >= 1, 5000, "a comment");
    expect(same.events).toHaveLength(0);
    const stale = await stream({ authorization: `Bearer ${TEST_CLIENT_KEY}`, "last-event-id": '"not-the-current-etag"' });
    expect((await stale.nextSnapshot(0)).id).toBe(etag);
    const query = await stream({}, `?key=${TEST_CLIENT_KEY}&lastEventId=${encodeURIComponent(etag)}`);
    await query.until(() => query.comments >= 1, 5000, "a comment");
    expect(query.events).toHaveLength(0);
  });

  it("sends a heartbeat comment periodically", async () => {
    const s = await stream({}, `?key=${TEST_CLIENT_KEY}`);
    await s.nextSnapshot(0);
    await s.until(() => s.comments >= 2, 5000, "two heartbeats");
  });

  it("refuses a missing or wrong key with 401 JSON, and cuts off a stream whose key is revoked", async () => {
    const none = await stream({});
    expect(none.status).toBe(401);
    await none.until(() => none.closed);
    expect(JSON.parse(none.text).error.code).toBe("unauthorized");
    const wrong = await stream({ authorization: "Bearer vd_cli_wrong_key_00000000000000000000" });
    expect(wrong.status).toBe(401);
    const viaNext = await call(streamRoute.GET, { token: null, path: "/api/v1/sdk/stream" });
    expect(viaNext.status).toBe(401);

    const created = await call(keysRoute.POST, { body: { name: "stream key", kind: "client" } });
    const s = await stream({}, `?key=${created.body.token}`);
    await s.nextSnapshot(0);
    expect((await call(keyRoute.DELETE, { method: "DELETE", params: { id: created.body.id } })).status).toBe(200);
    await s.until(() => s.closed, 5000, "the revoked key's stream to close");
  });

  it("a change signalled only by NOTIFY (another instance's) reaches the stream and /assign; without NOTIFY it waits for the backstop", async () => {
    const s = await stream();
    await s.nextSnapshot(0);
    const db = await getDb();
    // what another instance's changeExperiment commits: the row and the notification, nothing in this process
    await db.transaction(async (tx) => {
      await tx.update(experiments).set({ status: "rolled_back" }).where(eq(experiments.key, "s-two"));
      await tx.execute(sql`select pg_notify(${EXPERIMENT_CHANGED_CHANNEL}, 's-two')`);
    });
    const ev = await s.nextSnapshot(1, 5000);
    expect(JSON.parse(ev.data).experiments.find((e: { key: string }) => e.key === "s-two").status).toBe("rolled_back");
    const assigned = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { userId: "u1", log: false } });
    expect(assigned.body.assignments.find((a: { experiment: string }) => a.experiment === "s-two")).toMatchObject({ variant: "control", exposed: false, stage: 0 });

    // the same write without NOTIFY: not seen within a few TTLs, so the delivery above came from NOTIFY
    await db.update(experiments).set({ status: "running" }).where(eq(experiments.key, "s-two"));
    await new Promise((r) => setTimeout(r, 2500));
    expect(s.events).toHaveLength(2);
  });

  it("rolls back through the API and every open stream of this process gets the rollback snapshot", async () => {
    const streams = await Promise.all(Array.from({ length: 20 }, () => stream()));
    await Promise.all(streams.map((s) => s.nextSnapshot(0)));
    expect((await call(rollback.POST, { params: { key: "s-one" }, body: { reason: "stream fan-out" } })).status).toBe(200);
    for (const s of streams) {
      await s.until(() => s.events.some((e) => JSON.parse(e.data).experiments.find((x: { key: string }) => x.key === "s-one").status === "rolled_back"), 5000, "the rollback");
    }
    expect(streamHub().snapshotStats().open).toBeGreaterThanOrEqual(20);
  });

  it("serves the same stream through the route handler (next start, next dev) as a web stream", async () => {
    const res = await streamRoute.GET(new Request("http://localhost/api/v1/sdk/stream", { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } }), { params: Promise.resolve({}) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (pred: () => boolean) => {
      while (!pred()) text += decoder.decode((await reader.read()).value, { stream: true });
    };
    await readUntil(() => text.includes("\n\n"));
    const cfg = await config();
    expect(text.startsWith(`event: snapshot\nid: ${cfg.etag}\ndata: `)).toBe(true);
    await call(pause.POST, { params: { key: "s-two" }, body: {} });
    await readUntil(() => text.split("event: snapshot").length === 3);
    expect(text).toContain(`id: ${(await config()).etag}`);
    await reader.cancel();
  });

  it("drops a consumer whose unsent bytes exceed the bound instead of buffering more", async () => {
    const hub = streamHub();
    const { getSnapshot } = await import("@/server/assignment/snapshot");
    let queued = 0;
    let closed = false;
    // a client that stopped reading: everything written stays queued (fault injected at the socket)
    hub.add({ buffered: () => queued, write: (c) => void (queued += c.length), close: () => void (closed = true) }, await getSnapshot(), { lastEventId: null, token: null });
    queued = MAX_BUFFERED_BYTES + 1;
    const dropped = hub.stats.droppedSlow;
    await call(resume.POST, { params: { key: "s-two" }, body: {} });
    await new Promise((r) => setTimeout(r, 500));
    expect(closed).toBe(true);
    expect(hub.stats.droppedSlow).toBe(dropped + 1);
    expect(queued).toBe(MAX_BUFFERED_BYTES + 1); // nothing more was written to it
  });

  it("a sink that throws on write (closed underneath) is dropped and the fan-out still reaches the others", async () => {
    const hub = streamHub();
    const { getSnapshot } = await import("@/server/assignment/snapshot");
    const real = await stream();
    await real.nextSnapshot(0);
    let closed = false;
    hub.add(
      {
        buffered: () => 0,
        write: () => {
          throw new TypeError("Invalid state: Controller is already closed");
        },
        close: () => void (closed = true),
      },
      await getSnapshot(),
      { lastEventId: null, token: null },
    );
    expect(closed).toBe(true);
    hub.add(
      {
        buffered: () => 0,
        write: (c) => {
          if (c.length > 10) throw new TypeError("closed");
        },
        close: () => void (closed = true),
      },
      await getSnapshot(),
      { lastEventId: (await config()).etag, token: null },
    );
    closed = false;
    await call(pause.POST, { params: { key: "s-two" }, body: {} });
    await real.nextSnapshot(1);
    expect(closed).toBe(true);
    await call(resume.POST, { params: { key: "s-two" }, body: {} });
    await real.nextSnapshot(2);
    real.close();
  });

  it("refuses streams beyond VERDICT_STREAM_MAX_CONNECTIONS with 503 and Retry-After", async () => {
    let refused: SseConnection | null = null;
    for (let i = 0; i < 60 && !refused; i++) {
      const s = await stream();
      if (s.status !== 200) refused = s;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers["retry-after"]).toBe("10");
    await refused!.until(() => refused!.closed);
    expect(JSON.parse(refused!.text).error.code).toBe("too_many_streams");
    expect(streamHub().size).toBe(40);
  });
});
