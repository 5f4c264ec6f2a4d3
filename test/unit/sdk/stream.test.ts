/** VerdictClient's snapshot stream against a real HTTP server: streaming by default, polling with backoff while it is down, resuming. */
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VerdictClient, type SnapshotChange, type VerdictClientOptions } from "@/sdk/client";
import { SseParser } from "@/sdk/stream";
import { makeExperiment, makeSnapshot } from "../../helpers/sdk/fixtures";
import { FakeVerdictServer } from "../../helpers/sdk/fake-server";

let server: FakeVerdictServer;
const clients: VerdictClient[] = [];
function client(options: Partial<VerdictClientOptions> = {}) {
  const c = new VerdictClient({ baseUrl: server.url, clientKey: "ck_stream", refreshIntervalMs: 0, flushIntervalMs: 0, ...options });
  clients.push(c);
  return c;
}

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function rollOut(etag: string) {
  server.snapshot = makeSnapshot([makeExperiment({ key: "checkout", status: "rolled_back" })]);
  server.etag = etag;
}

beforeEach(async () => {
  server = new FakeVerdictServer();
  await server.start();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.stop();
});

describe("VerdictClient streaming", () => {
  it("streams by default after the first load, with the key as bearer and the etag as Last-Event-ID, and applies pushed snapshots", async () => {
    const changes: SnapshotChange[] = [];
    const c = client();
    c.onSnapshot((_s, change) => changes.push(change));
    await c.init();
    await until(() => c.stats.streaming, "the stream to connect");
    expect(server.streamRequests[0]).toMatchObject({ authorization: "Bearer ck_stream", lastEventId: '"v1"' });
    expect(changes.map((ch) => ch.source)).toEqual(["poll"]);

    rollOut('"v2"');
    const before = performance.now();
    server.push();
    await until(() => changes.length === 2, "the pushed snapshot");
    expect(changes[1]).toMatchObject({ etag: '"v2"', source: "stream" });
    expect(changes[1].receivedAtPerf).toBeGreaterThanOrEqual(before);
    expect(c.getAssignment("checkout", { userId: "u1" })).toMatchObject({ variant: "control", exposed: false });
    expect(server.configRequests).toHaveLength(1); // no polling while streaming
    expect(c.stats).toMatchObject({ streamConnects: 1, streamSnapshots: 1 });
  });

  it("polls while the stream is down, with backoff, and resumes streaming when the server accepts again", async () => {
    const errors: string[] = [];
    const c = client({ onError: (e) => errors.push(e.message) });
    await c.init();
    await until(() => c.stats.streaming, "the stream to connect");
    server.streamReplies = [{ status: 503 }, { status: 503 }];
    rollOut('"v3"');
    server.dropStreams();
    // the next poll picks the change up while the stream is refused
    await until(() => c.snapshot?.experiments[0].status === "rolled_back", "the change through polling");
    expect(server.configRequests.length).toBeGreaterThanOrEqual(2);
    await until(() => c.stats.streaming, "streaming again", 15_000);
    expect(server.streamRequests).toHaveLength(4);
    expect(server.streamRequests[3].lastEventId).toBe('"v3"');
    expect(errors.some((m) => /HTTP 503/.test(m))).toBe(true);
    server.snapshot = makeSnapshot([makeExperiment({ key: "checkout" })]);
    server.etag = '"v4"';
    server.push();
    await until(() => c.snapshot?.experiments[0].status === "running", "a push on the resumed stream");
  });

  it("treats a silent stream (no heartbeat) as broken and reconnects", async () => {
    const c = client({ streamIdleTimeoutMs: 150 });
    await c.init();
    await until(() => server.streamRequests.length >= 2, "a reconnect after the idle timeout");
  });

  it("polls on its interval against a server without the stream endpoint", async () => {
    const c = client({ refreshIntervalMs: 30 });
    server.streamReplies = [{ status: 404 }];
    await c.init();
    await until(() => server.configRequests.length >= 3, "interval polling");
    expect(server.streamRequests).toHaveLength(1);
    expect(c.stats.streaming).toBe(false);
  });

  it("streaming: false only polls", async () => {
    const c = client({ streaming: false, refreshIntervalMs: 30 });
    await c.init();
    await until(() => server.configRequests.length >= 3, "interval polling");
    expect(server.streamRequests).toHaveLength(0);
  });

  it("stops the stream on close()", async () => {
    const c = client();
    await c.init();
    await until(() => server.openStreams === 1, "the stream to open");
    await c.close();
    await until(() => server.openStreams === 0, "the stream to close");
  });

  it("streams with EventSource (Node's own, --experimental-eventsource), key and etag in the query", async () => {
    server.onTestPush = () => {
      rollOut('"v2"');
      server.push();
    };
    const script = `
      const m = await import("./src/sdk/client.ts");
      const { VerdictClient } = m.VerdictClient ? m : m.default;
      const c = new VerdictClient({ baseUrl: process.argv[1], clientKey: "ck_es", refreshIntervalMs: 0, flushIntervalMs: 0, streamWith: "eventsource" });
      const seen = [];
      c.onSnapshot((s, ch) => { seen.push(ch.etag + ":" + ch.source); if (seen.length === 2) c.close().then(() => { console.log(JSON.stringify(seen)); process.exit(0); }); });
      await c.init();
      const t = setInterval(async () => { if (c.stats.streaming) { clearInterval(t); await fetch(process.argv[1] + "/test/push", { method: "POST" }); } }, 20);
      setTimeout(() => { console.log("timeout " + JSON.stringify(seen)); process.exit(1); }, 8000);
    `;
    const child = spawn(process.execPath, ["--experimental-eventsource", "--no-warnings", "--import", "tsx", "--input-type=module", "-e", script, server.url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    await new Promise((r) => child.on("exit", r));
    expect(out.trim(), err).toBe(JSON.stringify(['"v1":poll', '"v2":stream']));
    expect(server.streamRequests[0].url).toBe(`/api/v1/sdk/stream?key=ck_es&lastEventId=${encodeURIComponent('"v1"')}`);
  }, 30_000);
});

describe("SseParser", () => {
  it("parses events split anywhere, CRLF lines, comments and multi-line data", () => {
    const got: [string, string, string | null][] = [];
    const p = new SseParser((e, d, id) => got.push([e, d, id]));
    const text = ': hi\r\n\r\nevent: snapshot\r\nid: "e1"\r\ndata: {"a":\r\ndata: 1}\r\n\r\n:\n\nevent: snapshot\nid: "e2"\ndata: x\n\n';
    for (const ch of text) p.feed(ch);
    expect(got).toEqual([
      ["snapshot", '{"a":\n1}', '"e1"'],
      ["snapshot", "x", '"e2"'],
    ]);
  });
});
