/**
 * A tiny real HTTP server speaking the two endpoints the SDK uses (GET /api/v1/sdk/config with
 * ETag, POST /api/v1/events), for the SDK's tests. It stands in for the Verdict server only at
 * the network boundary; the server's own stores are not involved in SDK tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeExperiment, makeSnapshot } from "./test-fixtures";
import type { Snapshot } from "./types";

export type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | "drop-connection";

export class FakeVerdictServer {
  snapshot: Snapshot = makeSnapshot([makeExperiment({ key: "checkout" }), makeExperiment({ key: "canary", strategy: "canary", exposure: 0.2 })]);
  etag = '"v1"';
  configRequests: { authorization?: string; ifNoneMatch?: string }[] = [];
  eventRequests: { authorization?: string; url: string; events: Record<string, unknown>[] }[] = [];
  /** Scripted replies for POST /api/v1/events; when empty: 200 accepting everything. */
  eventReplies: Reply[] = [];
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
