// Request bodies are read only after the caller is authenticated (route()), and never beyond a cap
// per route: a declared Content-Length over the cap is refused before a byte is read, a body that
// grows past it is abandoned as soon as it does. Before this, POST /api/auth/login read a 300 MiB
// body whole before its 400, and RSS never came back down.
import type { Access } from "@/server/auth/principal";
import { AppError } from "@/core/errors";

/**
 * Default caps by access. Anyone can call a public route, so what it reads stays a few KiB (login's
 * body is a username and a password). Client routes (assign, events) carry the client endpoints'
 * documented limit; every other JSON body is a form's worth.
 */
export const BODY_LIMITS: Record<Access, number> = {
  public: 8 * 1024,
  client: 1024 * 1024,
  viewer: 256 * 1024,
  release_manager: 256 * 1024,
  admin: 256 * 1024,
};

/** A request that can read its own body under a cap (server.ts's direct path reads node:http). */
export interface CappedBodySource {
  readBytes(maxBytes: number): Promise<Buffer>;
}

export const tooLarge = (maxBytes: number, what = "Body") => new AppError("payload_too_large", `${what} is larger than ${maxBytes} bytes, this route's limit`, { maxBytes });

/** The declared Content-Length (NaN when absent or not a number). */
export function declaredLength(headers: Headers): number {
  const v = headers.get("content-length");
  return v === null ? NaN : Number(v);
}

/** Whether the request carries a body at all (HTTP/1.1 frames one with Content-Length or Transfer-Encoding). */
export function hasBody(req: Request): boolean {
  const declared = declaredLength(req.headers);
  if (!Number.isNaN(declared)) return declared > 0;
  if (req.headers.has("transfer-encoding")) return true;
  return req.method !== "GET" && req.method !== "HEAD" && req.body !== null;
}

/**
 * JSON-bodied routes take only application/json. A cross-site HTML form can post only
 * urlencoded, multipart or text/plain bodies without a CORS preflight, so this keeps forms on other
 * sites from reaching a handler (login has no session, hence no CSRF token, to stop them otherwise).
 */
export function requireJsonBody(req: Request): void {
  if (!hasBody(req)) return;
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new AppError("unsupported_media_type", `Send the body as 'content-type: application/json'${type ? `, not '${type}'` : ""}`, { contentType: type || null });
  }
}

function isCappedSource(req: unknown): req is CappedBodySource {
  return typeof (req as Partial<CappedBodySource>).readBytes === "function";
}

/** The body's bytes, at most maxBytes (413 beyond, without reading on: the reader is cancelled). */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = declaredLength(req.headers);
  if (declared > maxBytes) throw tooLarge(maxBytes, `Body of ${declared} bytes`);
  if (isCappedSource(req)) return req.readBytes(maxBytes);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop pulling, nothing more: the body no longer flows (backpressure), and server.ts closes
      // the connection after the answer. Cancelling would destroy the request under Next, and
      // neither the cancel nor the answer would complete.
      reader.releaseLock();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const text = (await readBodyBytes(req, maxBytes)).toString("utf8");
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError("invalid_json", `Request body is not valid JSON: ${(e as Error).message}`);
  }
}
