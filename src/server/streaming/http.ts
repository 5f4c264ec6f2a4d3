// GET /api/v1/sdk/stream on the production server's direct path (server.ts): node:http, one small
// object per stream, the shared frame written straight to the response. Same authentication (the
// client key as bearer, ?key= for EventSource, or a session), same errors as route().
import type { IncomingMessage, ServerResponse } from "node:http";
import { getSnapshot } from "@/server/assignment/snapshot";
import { authenticate } from "@/server/auth/authenticate";
import { AppError } from "@/core/errors";
import { plainError } from "@/server/http/respond";
import { streamHub } from "./hub";
import { assertRoom, STREAM_HEADERS, STREAM_PATH, streamInput } from "./open";

/** Serves the request if it is GET /api/v1/sdk/stream; false otherwise (server.ts then routes it on). */
export function serveSnapshotStream(req: IncomingMessage, res: ServerResponse, pathname: string | undefined): boolean {
  if (pathname !== STREAM_PATH || req.method !== "GET") return false;
  void open(req, res).catch((err: unknown) => {
    if (res.headersSent) return void res.destroy();
    const out = plainError(err);
    res.writeHead(out.status, { ...out.headers, "content-length": String(Buffer.byteLength(out.body)) }).end(out.body);
  });
  return true;
}

async function open(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (const name of ["authorization", "cookie", "last-event-id"]) {
    const v = req.headers[name];
    if (typeof v === "string") headers.set(name, v);
  }
  const url = new URL(req.url ?? "/", "http://localhost");
  const principal = await authenticate({ headers, url: url.href } as Request, { allowQueryKey: true });
  if (!principal) {
    throw new AppError("unauthorized", "Missing or invalid credentials: send 'Authorization: Bearer <API key>' (or ?key= from EventSource) or sign in", null, {
      "www-authenticate": 'Bearer realm="verdict"',
    });
  }
  assertRoom();
  const snapshot = await getSnapshot();
  if (res.destroyed) return;
  // the stream lasts; heartbeats keep it active, so no idle timeout applies to it
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  res.writeHead(200, STREAM_HEADERS);
  const remove = streamHub().add({ buffered: () => res.writableLength, write: (chunk) => void res.write(chunk), close: () => void res.destroy() }, snapshot, streamInput(headers, url));
  res.on("close", remove);
}

/** Ends every stream at once: server.ts's graceful stop calls it, so closing does not wait on them. */
export function closeSnapshotStreams(): void {
  streamHub().closeAll();
}
