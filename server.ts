// The production server (`npm start`): Next.js's own request handler behind a node:http server that
// hands the two high-rate client endpoints (POST /api/v1/assign, POST /api/v1/events) straight to
// their route handlers. Why: src/server/http/hot-routes.ts. Everything else, pages and the rest of
// the API, is Next.js as under `next start`; instrumentation.ts (migrations, background loops) runs
// in app.prepare() exactly as there.
//
//   node --import tsx server.ts   (after `next build`; PORT and HOSTNAME as for `next start`)
//
// A request, in order: headers within VERDICT_HTTP_HEADERS_TIMEOUT_MS (every route); an /api path
// no operation has, or a method it does not take, is answered 404 / 405 at once; a direct route
// authenticates from the headers, then reads the body under its cap; the rest goes to Next.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import next from "next";
import { stampPeerAddress } from "./src/server/auth/client-address";
import { parseEnvOrExit, type Env } from "./src/core/env";
import { apiRouteMatcher } from "./src/server/http/api-routes";
import { hotRouteRequests, hotRoutes, hotStreams } from "./src/server/http/hot-routes";
import { NodeRequest } from "./src/server/http/node-request";
import { plainError, type PlainResponse } from "./src/server/http/respond";
import type { RouteHandler } from "./src/server/http/route";
import { API_SECURITY_HEADERS } from "./src/server/http/security-headers";
import { registeredOperations } from "./src/server/openapi/registry";
import "./src/server/openapi/operations";
import { closeSnapshotStreams, serveSnapshotStream } from "./src/server/streaming/http";
// Loaded now, not on the signal: a signal to the process group also stops the helper process that
// compiles TypeScript on demand (tsx's esbuild service), and an import then fails.
import { shutdownProcess } from "./src/server/shutdown";

const NO_PARAMS = { params: Promise.resolve({}) };

/**
 * Timeouts, per route where a route can matter. Headers: every request (the route is not known
 * before them). Receiving the request (headers and body): node:http's requestTimeout for every
 * route, which ends when the request has arrived, so a long-lived response (a stream) is never
 * cut by it; the direct path reads its bodies under the same deadline itself, to answer 408.
 * Streams are also exempt from the socket's idle timeout. Idle keep-alive connections close after
 * keepAliveTimeout.
 */
interface TimeoutPolicy {
  bodyMs: number;
  stream: boolean;
}

function policyFor(key: string, settings: Env): TimeoutPolicy {
  const stream = hotStreams().has(key);
  return { bodyMs: stream ? 0 : settings.VERDICT_HTTP_REQUEST_TIMEOUT_MS, stream };
}

/** How long a connection answered before its body arrived stays half-open for the client to read the answer. */
const LINGER_MS = 2_000;

/**
 * An answer written before the request's body has arrived (a 401, 413, 404 …) closes the
 * connection: otherwise node:http would go on reading the unread body to reuse the connection.
 * Not at once: closing a socket with the client's upload unread resets the connection, and a
 * client still sending then loses the answer. It half-closes, and is dropped shortly after.
 */
function closeIfAnsweredEarly(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    if (!req.complete) {
      this.shouldKeepAlive = false; // Connection: close; node:http then calls destroySoon()
      const socket = req.socket;
      socket.destroySoon = function (this: Socket) {
        this.end();
        setTimeout(() => this.destroy(), LINGER_MS).unref();
      };
    }
    return writeHead.apply(this, args);
  } as ServerResponse["writeHead"];
}

async function serveHot(handler: RouteHandler, policy: TimeoutPolicy, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = new NodeRequest(req, handler.maxBodyBytes, policy.bodyMs);
  const out = await handler.direct(request as unknown as Request, NO_PARAMS);
  if (!(out instanceof Response)) return writePlain(res, out);
  const headers: Record<string, string> = { ...API_SECURITY_HEADERS };
  out.headers.forEach((value, name) => (headers[name] = value));
  if (policy.stream && out.body) {
    req.socket.setTimeout(0);
    res.writeHead(out.status, headers);
    Readable.fromWeb(out.body as import("node:stream/web").ReadableStream).pipe(res);
    return;
  }
  const bytes = Buffer.from(await out.arrayBuffer());
  res.writeHead(out.status, { ...headers, "content-length": String(bytes.length) }).end(bytes);
}

function writePlain(res: ServerResponse, out: PlainResponse): void {
  res.writeHead(out.status, { ...API_SECURITY_HEADERS, ...out.headers, "content-length": String(Buffer.byteLength(out.body)) }).end(out.body);
}

async function main() {
  const settings = parseEnvOrExit(process.env);
  const port = settings.PORT;
  // -H binds one address, as `next start -H` does (the tests bind 127.0.0.1); all addresses otherwise.
  const hostname = process.argv.includes("-H") ? process.argv[process.argv.indexOf("-H") + 1] : undefined;
  const app = next({ dev: false, hostname: hostname ?? "localhost", port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const matchApi = apiRouteMatcher(registeredOperations());

  const requestTimeout = settings.VERDICT_HTTP_REQUEST_TIMEOUT_MS;
  const headersTimeout = requestTimeout > 0 ? Math.min(settings.VERDICT_HTTP_HEADERS_TIMEOUT_MS, requestTimeout) : settings.VERDICT_HTTP_HEADERS_TIMEOUT_MS;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      // As Next's own server: keep-alive longer than typical load balancers' idle timeouts.
      keepAliveTimeout: settings.VERDICT_HTTP_KEEPALIVE_TIMEOUT_MS,
      // how often node:http looks for connections past those timeouts (its default: 30 s)
      connectionsCheckingInterval: Math.max(100, Math.min(headersTimeout, requestTimeout || headersTimeout) / 4),
    },
    (req, res) => {
      stampPeerAddress(req); // the only trustworthy client address (the per-address sign-in backoff)
      closeIfAnsweredEarly(req, res);
      const q = req.url?.indexOf("?") ?? -1;
      const pathname = (q < 0 ? req.url : req.url?.slice(0, q)) ?? "/";
      if (serveSnapshotStream(req, res, pathname)) return; // GET /api/v1/sdk/stream: long-lived, node:http itself
      const method = req.method ?? "GET";
      const key = `${method} ${pathname}`;
      const hot = hotRoutes().get(key);
      if (hot) hotRouteRequests()[key] = (hotRouteRequests()[key] ?? 0) + 1;
      const api = !hot && (pathname === "/api" || pathname.startsWith("/api/")) ? matchApi(method, pathname) : undefined;
      if (api?.status === "error") return writePlain(res, plainError(api.error));
      const done = hot ? serveHot(hot, policyFor(key, settings), req, res) : handle(req, res);
      done.catch((err: unknown) => {
        if (!res.headersSent)
          writePlain(res, plainError(err)); // logs it as unhandled
        else res.destroy();
      });
    },
  );
  server.listen(port, hostname, () => console.log(`[verdict] listening on http://${hostname ?? "localhost"}:${port}`));

  let stopping = false;
  const stopOnce = (why: string) => {
    // once: npm start relays a signal its process group may already have received (Ctrl-C),
    // so it can arrive twice; the grace deadlines below bound the wait instead
    if (stopping) return;
    stopping = true;
    void stop(server, why);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => stopOnce(sig));
  // Started by `npm start` (scripts/start.ts), the server holds an IPC channel to it: the channel
  // closes when that process ends however it ends (SIGKILL included), and the server stops then
  // rather than serve on as an orphan. Run directly (a process manager), there is no channel.
  if (process.send) process.on("disconnect", () => stopOnce("parent process gone"));
}

/** How long a signal waits for requests in flight, then for the stores, before the process exits anyway. */
const STOP_GRACE_MS = 10_000;

/**
 * No new connections; requests in flight are answered; then every accepted event is made durable
 * and the stores close (src/server/shutdown.ts). Events were acknowledged only once durable, but
 * /assign's exposures are answered before: exiting at once would drop those still queued.
 */
async function stop(server: ReturnType<typeof createServer>, why: string): Promise<void> {
  console.log(`[verdict] ${why}: finishing requests in flight and storing accepted events`);
  const deadline = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());
  const closed = new Promise<void>((r) => server.close(() => r()));
  closeSnapshotStreams(); // clients reconnect elsewhere or after the restart; a stream never ends by itself
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
