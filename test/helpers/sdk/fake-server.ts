/**
 * A tiny real HTTP server speaking the endpoints the SDK uses (GET /api/v1/sdk/config with ETag,
 * GET /api/v1/sdk/stream as server-sent events, POST /api/v1/events), for the SDK's tests. It stands in for the Verdict server only at
 * the network boundary; the server's own stores are not involved in SDK tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeExperiment, makeSnapshot } from "./fixtures";
import type { Snapshot } from "@/sdk/types";

export type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | "drop-connection";

export class FakeVerdictServer {
  snapshot: Snapshot = makeSnapshot([makeExperiment({ key: "checkout" }), makeExperiment({ key: "canary", strategy: "canary", exposure: 0.2 })]);
  etag = '"v1"';
  configRequests: { authorization?: string; ifNoneMatch?: string }[] = [];
  eventRequests: { authorization?: string; url: string; events: Record<string, unknown>[] }[] = [];
  /** Scripted replies for POST /api/v1/events; when empty: 200 accepting everything. */
  eventReplies: Reply[] = [];
  /** Stream requests received, and scripted replies for them (when empty: 200 text/event-stream). */
  streamRequests: { authorization?: string; lastEventId?: string; url: string }[] = [];
  streamReplies: Reply[] = [];
  private readonly streams = new Set<ServerResponse>();
  /** POST /test/push calls it (a test's child process asking for a change). */
  onTestPush: (() => void) | null = null;
  url = "";
  private server: Server = createServer((req, res) => void this.handle(req, res));

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Sends the current snapshot to every open stream (what the server does on a change). */
  push() {
    for (const res of this.streams) res.write(this.frame());
  }

  /** Breaks every open stream's connection (a network failure or a server restart). */
  dropStreams() {
    for (const res of this.streams) res.socket?.destroy();
    this.streams.clear();
  }

  get openStreams() {
    return this.streams.size;
  }

  private frame() {
    return `event: snapshot\nid: ${this.etag}\ndata: ${JSON.stringify(this.snapshot)}\n\n`;
  }

  get events() {
    return this.eventRequests.flatMap((r) => r.events);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? "";
    if (req.method === "GET" && url === "/api/v1/sdk/config") {
      this.configRequests.push({ authorization: req.headers.authorization, ifNoneMatch: req.headers["if-none-match"] });
      if (req.headers["if-none-match"] === this.etag) return void res.writeHead(304, { etag: this.etag }).end();
      return void res.writeHead(200, { "content-type": "application/json", etag: this.etag }).end(JSON.stringify(this.snapshot));
    }
    if (req.method === "POST" && url === "/test/push") {
      this.onTestPush?.();
      return void res.writeHead(204).end();
    }
    if (req.method === "GET" && url.startsWith("/api/v1/sdk/stream")) {
      const lastEventId = req.headers["last-event-id"] ?? new URL(url, "http://x").searchParams.get("lastEventId") ?? undefined;
      this.streamRequests.push({ authorization: req.headers.authorization, lastEventId: lastEventId as string | undefined, url });
      const reply = this.streamReplies.shift();
      if (reply === "drop-connection") return void req.socket.destroy();
      if (reply) return void res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(JSON.stringify(reply.body ?? {}));
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(lastEventId === this.etag ? ":\n\n" : this.frame());
      this.streams.add(res);
      res.on("close", () => this.streams.delete(res));
      return;
    }
    if (req.method === "POST" && url.startsWith("/api/v1/events")) {
      const reply = this.eventReplies.shift() ?? { status: 200 };
      if (reply === "drop-connection") return void req.socket.destroy();
      const events = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: Record<string, unknown>[] }).events;
      if (reply.status === 200) this.eventRequests.push({ authorization: req.headers.authorization, url, events });
      const body = reply.body ?? { accepted: events.length, rejected: [] };
      return void res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(JSON.stringify(body));
    }
    res.writeHead(404).end();
  }
}
