// Server mode (CLICKHOUSE_URL): the ingestion inserter must read each INSERT's response to its end
// (issue 12, item 14). Destroyed unread, @clickhouse/client logged "Premature close" on every
// insert and the socket could not return to the keep-alive pool. No ClickHouse server here: a
// tiny local HTTP server speaks enough of ClickHouse's HTTP interface for ping, a command and an
// INSERT, answering gzip-compressed as a real server does with response compression on, and
// records on which connection each INSERT arrived.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeEventStore, getPayloadInserter } from "@/db/clickhouse/client";

let server: Server;
const inserts: { socket: Socket; rows: number; query: string }[] = [];

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/ping") return void res.end("Ok.\n");
    const text = (await body(req)).toString("utf8");
    const query = url.searchParams.get("query") ?? text;
    const summary = JSON.stringify({ read_rows: "0", read_bytes: "0", written_rows: "0", written_bytes: "0", total_rows_to_read: "0" });
    if (/^INSERT/i.test(query)) inserts.push({ socket: req.socket, rows: text.split("\n").filter(Boolean).length, query });
    // What ClickHouse answers an INSERT with (an empty result), compressed when the client asked.
    const gzip = url.searchParams.get("enable_http_compression") === "1" && /gzip/.test(String(req.headers["accept-encoding"]));
    res.writeHead(200, { "content-type": "text/plain; charset=UTF-8", "x-clickhouse-summary": summary, "x-clickhouse-query-id": "q", ...(gzip ? { "content-encoding": "gzip" } : {}) });
    res.end(gzip ? gzipSync(Buffer.alloc(0)) : "");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  process.env.CLICKHOUSE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closeEventStore();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("server-mode payload inserts", () => {
  it("read each response to the end: no 'Premature close', one kept-alive connection for consecutive inserts", async () => {
    const logged: string[] = [];
    const capture = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
    const spies = (["error", "warn", "info", "log"] as const).map((m) => vi.spyOn(console, m).mockImplementation(capture));
    try {
      const insert = await getPayloadInserter();
      for (let i = 0; i < 5; i++) {
        await insert("events", "JSONEachRow", Buffer.from(`{"id":"a${i}"}\n{"id":"b${i}"}\n`), { async_insert: 0, insert_deduplication_token: `t${i}` });
      }
      await new Promise((r) => setTimeout(r, 100)); // a stream error would be logged asynchronously
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(inserts.map((i) => i.rows)).toEqual([2, 2, 2, 2, 2]);
    expect(inserts[0].query).toMatch(/^INSERT INTO events FORMAT JSONEachRow/);
    expect(logged.filter((l) => /premature close/i.test(l))).toEqual([]);
    expect(new Set(inserts.map((i) => i.socket)).size).toBe(1);
  });
});
