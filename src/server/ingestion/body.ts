// Reads the raw request body of POST /api/v1/events under the byte limits (413 beyond), inflating
// gzip with a cap on the inflated size, and parses the envelope (400 with the reason otherwise).
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { AppError, isAppError } from "@/core/errors";
import { readBodyBytes } from "@/server/http/body";
import { LIMITS } from "./schemas";

const gunzipAsync = promisify(gunzip);

const tooLarge = (what: string) =>
  new AppError("payload_too_large", `${what}; send at most ${LIMITS.maxEvents} events and ${LIMITS.maxBodyBytes} bytes per request`, {
    maxEvents: LIMITS.maxEvents,
    maxBytes: LIMITS.maxBodyBytes,
  });

/** The raw body under the endpoint's byte cap, read as every route reads it (src/server/http/body.ts). */
async function readCapped(req: Request): Promise<Buffer> {
  try {
    return await readBodyBytes(req, LIMITS.maxBodyBytes);
  } catch (e) {
    // the same 413, worded with what this endpoint takes
    if (isAppError(e) && e.code === "payload_too_large") throw tooLarge(`Body is larger than ${LIMITS.maxBodyBytes} bytes`);
    throw e;
  }
}

async function inflate(raw: Buffer, encoding: string | null): Promise<Buffer> {
  const enc = (encoding ?? "identity").trim().toLowerCase();
  if (enc === "identity" || enc === "") return raw;
  if (enc !== "gzip" && enc !== "x-gzip") {
    throw new AppError("unsupported_media_type", `Content-Encoding '${enc}' is not supported; send identity or gzip`);
  }
  try {
    return await gunzipAsync(raw, { maxOutputLength: LIMITS.maxInflatedBytes });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
      throw tooLarge(`Gzip body inflates beyond ${LIMITS.maxInflatedBytes} bytes`);
    }
    throw new AppError("bad_request", `Body is not valid gzip: ${(e as Error).message}`);
  }
}

/** The `events` array of the envelope, unvalidated per event (validate.ts does that). */
export async function readEventsEnvelope(req: Request): Promise<unknown[]> {
  const bytes = await inflate(await readCapped(req), req.headers.get("content-encoding"));
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new AppError("invalid_json", `Request body is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body) || !Array.isArray((body as { events?: unknown }).events)) {
    throw new AppError("bad_request", 'Request body must be an object { "events": [ ... ] }');
  }
  const events = (body as { events: unknown[] }).events;
  if (events.length > LIMITS.maxEvents) throw tooLarge(`${events.length} events in one request`);
  return events;
}
