// Opening a snapshot stream (GET /api/v1/sdk/stream): what both paths share, and the web-stream
// form Next.js serves (`next start`, `next dev`). The production server serves the same endpoint on
// its direct path (./http.ts), which writes to node:http itself: Next's per-request pipeline and a
// web ReadableStream per stream cost too much at 10,000 streams.
import { getSnapshot } from "@/server/assignment/snapshot";
import { AppError } from "@/core/errors";
import { MAX_BUFFERED_BYTES, streamHub } from "./hub";

export const STREAM_PATH = "/api/v1/sdk/stream";

export const STREAM_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  // proxies (nginx) must not buffer the stream
  "x-accel-buffering": "no",
};

export interface StreamInput {
  /** Last-Event-ID header (EventSource sends it on reconnect) or ?lastEventId= */
  lastEventId: string | null;
  /** the API key the stream authenticated with (re-checked every heartbeat), null for a session */
  token: string | null;
}

/** The stream's inputs from a request's headers and URL (ids longer than an etag are ignored). */
export function streamInput(headers: { get(name: string): string | null }, url: URL): StreamInput {
  const id = headers.get("last-event-id") ?? url.searchParams.get("lastEventId");
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "")?.[1];
  return { lastEventId: id && id.length <= 64 ? id : null, token: bearer ?? url.searchParams.get("key") };
}

export function assertRoom(): void {
  if (!streamHub().hasRoom()) {
    throw new AppError("too_many_streams", "This server has as many snapshot streams open as it allows (VERDICT_STREAM_MAX_CONNECTIONS); poll GET /api/v1/sdk/config or retry later", null, {
      "retry-after": "10",
    });
  }
}

/** The stream as a web Response (the route handler's answer under Next.js). */
export async function openSnapshotStream({ input, signal }: { input: StreamInput; signal?: AbortSignal }): Promise<Response> {
  assertRoom();
  const snapshot = await getSnapshot();
  let remove = () => {};
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        remove = streamHub().add(
          {
            buffered: () => MAX_BUFFERED_BYTES - (controller.desiredSize ?? 0),
            write: (chunk) => controller.enqueue(chunk),
            close: () => {
              try {
                controller.close();
              } catch {
                /* already closed or errored */
              }
            },
          },
          snapshot,
          input,
        );
        signal?.addEventListener("abort", () => remove(), { once: true });
      },
      cancel: () => remove(),
    },
    new ByteLengthQueuingStrategy({ highWaterMark: MAX_BUFFERED_BYTES }),
  );
  return new Response(body, { status: 200, headers: STREAM_HEADERS });
}
