// The production server (`npm start`): Next.js's own request handler behind a node:http server that
// hands the two high-rate client endpoints (POST /api/v1/assign, POST /api/v1/events) straight to
// their route handlers. Why: src/server/http/hot-routes.ts. Everything else, pages and the rest of
// the API, is Next.js as under `next start`; instrumentation.ts (migrations, background loops) runs
// in app.prepare() exactly as there.
//
//   node --import tsx server.ts   (after `next build`; PORT and HOSTNAME as for `next start`)
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import next from "next";
import { stampPeerAddress } from "./src/server/auth/client-address";
import { parseEnvOrExit } from "./src/server/env";
import { AppError } from "./src/server/errors";
import { hotRouteRequests, hotRoutes } from "./src/server/http/hot-routes";
import { plainError, type PlainResponse } from "./src/server/http/respond";
import type { RouteHandler } from "./src/server/http/route";
// Loaded now, not on the signal: a signal to the process group also stops the helper process that
// compiles TypeScript on demand (tsx's esbuild service), and an import then fails.
import { shutdownProcess } from "./src/server/shutdown";

const NO_PARAMS = { params: Promise.resolve({}) };

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (value) for (const v of value) headers.append(name, v);
  }
  return headers;
}

/** Larger bodies are refused before the handler runs; every hot route's own limit is lower (1 MiB). */
const MAX_HOT_BODY_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_HOT_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_HOT_BODY_BYTES ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

/**
 * What the route handlers of the direct path read of a request (method, url, headers, the body as
 * text, bytes or a stream), over a body already buffered: a web Request would build a
 * ReadableStream and an AbortSignal per request, which cost more than the assignment itself.
 */
class BufferedRequest {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Headers,
    private readonly bytes: Buffer | undefined,
  ) {}
  async text(): Promise<string> {
    return this.bytes ? this.bytes.toString("utf8") : "";
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.bytes ?? Buffer.alloc(0);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.bytes ? new Blob([this.bytes as Uint8Array<ArrayBuffer>]).stream() : null;
  }
}

async function serveHot(handler: RouteHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
  if (body === null) return writePlain(res, plainError(new AppError("payload_too_large", `Body is larger than ${MAX_HOT_BODY_BYTES} bytes`)));
  const request = new BufferedRequest(req.method ?? "GET", `http://${req.headers.host ?? "localhost"}${req.url}`, toHeaders(req), body);
  const out = await handler.direct(request as unknown as Request, NO_PARAMS);
  if (out instanceof Response) {
    const bytes = Buffer.from(await out.arrayBuffer());
    const headers: Record<string, string> = { "content-length": String(bytes.length) };
    out.headers.forEach((value, name) => (headers[name] = value));
    res.writeHead(out.status, headers).end(bytes);
    return;
  }
  writePlain(res, out);
}

function writePlain(res: ServerResponse, out: PlainResponse): void {
  res.writeHead(out.status, { ...out.headers, "content-length": String(Buffer.byteLength(out.body)) }).end(out.body);
}

async function main() {
  const port = parseEnvOrExit(process.env).PORT;
  // -H binds one address, as `next start -H` does (the tests bind 127.0.0.1); all addresses otherwise.
  const hostname = process.argv.includes("-H") ? process.argv[process.argv.indexOf("-H") + 1] : undefined;
  const app = next({ dev: false, hostname: hostname ?? "localhost", port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = createServer((req, res) => {
    stampPeerAddress(req); // the only trustworthy client address (the per-address sign-in backoff)
    const q = req.url?.indexOf("?") ?? -1;
    const pathname = q < 0 ? req.url : req.url?.slice(0, q);
    const key = `${req.method} ${pathname}`;
    const hot = hotRoutes().get(key);
    if (hot) hotRouteRequests()[key] = (hotRouteRequests()[key] ?? 0) + 1;
    const done = hot ? serveHot(hot, req, res) : handle(req, res);
    done.catch((err: unknown) => {
      if (!res.headersSent) writePlain(res, plainError(err)); // logs it as unhandled
      else res.destroy();
    });
  });
  // As Next's own server: keep-alive longer than typical load balancers' idle timeouts.
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => console.log(`[verdict] listening on http://${hostname ?? "localhost"}:${port}`));
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      // once: npm start relays a signal its process group may already have received (Ctrl-C),
      // so it can arrive twice; the grace deadlines below bound the wait instead
      if (stopping) return;
      stopping = true;
      void stop(server, sig);
    });
  }
}

/** How long a signal waits for requests in flight, then for the stores, before the process exits anyway. */
const STOP_GRACE_MS = 10_000;

/**
 * No new connections; requests in flight are answered; then every accepted event is made durable
 * and the stores close (src/server/shutdown.ts). Events were acknowledged only once durable, but
 * /assign's exposures are answered before: exiting at once would drop those still queued.
 */
async function stop(server: ReturnType<typeof createServer>, sig: string): Promise<void> {
  console.log(`[verdict] ${sig}: finishing requests in flight and storing accepted events`);
  const deadline = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  if ((await Promise.race([closed, deadline(STOP_GRACE_MS)])) === "timeout") server.closeAllConnections();
  try {
    if ((await Promise.race([shutdownProcess(), deadline(STOP_GRACE_MS)])) === "timeout") {
      console.error(`[verdict] stores not closed within ${STOP_GRACE_MS / 1000} s; exiting (the spool replays on the next start)`);
    }
  } catch (e) {
    console.error(`[verdict] shutdown: ${(e as Error).message}`);
  }
  process.exit(0);
}

void main();
