/**
 * Reading GET /api/v1/sdk/stream (server-sent events) for VerdictClient: with fetch where the
 * response body is a ReadableStream (Node >= 18, every current browser; it can send the key as a
 * bearer header), else with EventSource (the key and the last etag then travel in the query).
 * runSnapshotStream is VerdictClient's loop: connect, read until the stream ends, poll once, wait
 * with backoff, reconnect.
 */
import { backoffDelay } from "./transport";

export interface StreamHandlers {
  /** the response was accepted (200 text/event-stream) */
  onOpen(): void;
  /** one `event: snapshot` with its id (the etag) and data (the GET /api/v1/sdk/config JSON) */
  onSnapshot(data: string, id: string | null): void;
}

export interface StreamEnd {
  /** "unsupported": this runtime cannot stream; "refused": an HTTP error status; "ended"/"failed": the connection closed or broke */
  outcome: "unsupported" | "refused" | "ended" | "failed";
  status?: number;
  /** whether the connection was accepted before it ended (a stream that worked resets the backoff) */
  opened: boolean;
  error?: string;
}

/** Incremental SSE parser (the subset the server sends: event, id, data, comments). */
export class SseParser {
  private buf = "";
  private event = "message";
  private id: string | null = null;
  private data: string[] = [];

  constructor(private readonly onEvent: (event: string, data: string, id: string | null) => void) {}

  feed(text: string): void {
    this.buf += text;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      let line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === "") {
      if (this.data.length > 0) this.onEvent(this.event, this.data.join("\n"), this.id);
      this.event = "message";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const c = line.indexOf(":");
    const field = c < 0 ? line : line.slice(0, c);
    const value = c < 0 ? "" : line.slice(c + 1).replace(/^ /, "");
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
  }
}

/**
 * One fetch-streamed connection. Ends when the server closes it, on a network error, on `signal`,
 * or when nothing (not even a heartbeat) arrives for idleMs.
 */
export async function readFetchStream(fetchImpl: typeof fetch, url: string, headers: Record<string, string>, signal: AbortSignal, idleMs: number, handlers: StreamHandlers): Promise<StreamEnd> {
  const ctrl = new AbortController();
  const abort = () => ctrl.abort();
  signal.addEventListener("abort", abort, { once: true });
  let idle: ReturnType<typeof setTimeout> | null = null;
  const touch = () => {
    if (idle !== null) clearTimeout(idle);
    idle = setTimeout(abort, idleMs);
    (idle as { unref?: () => void }).unref?.();
  };
  let opened = false;
  try {
    touch();
    const res = await fetchImpl(url, { headers: { ...headers, accept: "text/event-stream" }, signal: ctrl.signal, cache: "no-store" });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return { outcome: "refused", status: res.status, opened };
    }
    const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader?.();
    if (!reader || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      await res.body?.cancel().catch(() => {});
      return { outcome: "unsupported", status: res.status, opened };
    }
    opened = true;
    handlers.onOpen();
    const decoder = new TextDecoder();
    const parser = new SseParser((event, data, id) => {
      if (event === "snapshot") handlers.onSnapshot(data, id);
    });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { outcome: "ended", opened };
      touch();
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (e) {
    return { outcome: "failed", opened, error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (idle !== null) clearTimeout(idle);
    signal.removeEventListener("abort", abort);
    ctrl.abort();
  }
}

/** The subset of the EventSource interface used here (browsers; injectable for tests). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (e: { data?: string; lastEventId?: string }) => void): void;
  close(): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** One EventSource connection; its own automatic reconnection is cut short so VerdictClient can poll. */
export function readEventSource(EventSourceImpl: EventSourceConstructor, url: string, signal: AbortSignal, handlers: StreamHandlers): Promise<StreamEnd> {
  return new Promise((resolve) => {
    let opened = false;
    const es = new EventSourceImpl(url);
    const finish = (end: StreamEnd) => {
      es.close();
      signal.removeEventListener("abort", onAbort);
      resolve(end);
    };
    const onAbort = () => finish({ outcome: "ended", opened });
    signal.addEventListener("abort", onAbort, { once: true });
    es.addEventListener("open", () => {
      opened = true;
      handlers.onOpen();
    });
    es.addEventListener("snapshot", (e) => handlers.onSnapshot(e.data ?? "", e.lastEventId ?? null));
    es.addEventListener("error", () => finish({ outcome: opened ? "ended" : "failed", opened }));
  });
}

export interface StreamLoopOptions {
  baseUrl: string;
  clientKey: string;
  fetch: typeof fetch;
  EventSource: EventSourceConstructor | undefined;
  preferEventSource: boolean;
  idleTimeoutMs: number;
  maxBackoffMs: number;
  signal: AbortSignal;
  /** the etag of the snapshot held now: sent as Last-Event-ID, so an unchanged one is not resent */
  etag(): string | null;
  onConnected(connected: boolean): void;
  onSnapshot(data: string, id: string | null): void;
  /** one GET /api/v1/sdk/config while the stream is down (never rejects) */
  poll(): Promise<void>;
  reportError(message: string): void;
}

/** Statuses meaning this server has no stream endpoint: stop trying, poll as before. */
const NO_STREAM_ENDPOINT = new Set([404, 405, 501]);

/**
 * Keeps a stream open until `signal`: after each end it polls once and reconnects with backoff
 * (1 s doubling to maxBackoffMs, with jitter), so the snapshot stays current through an outage and
 * streaming resumes as soon as the server accepts again. Returns only when aborted or when the
 * runtime or server cannot stream at all.
 */
export async function runSnapshotStream(o: StreamLoopOptions): Promise<void> {
  const policy = { maxRetries: 0, baseDelayMs: 1000, maxDelayMs: o.maxBackoffMs };
  let useFetch = typeof ReadableStream === "function" && typeof TextDecoder === "function" && !(o.preferEventSource && o.EventSource);
  if (!useFetch && o.EventSource === undefined) return;
  let failures = 0;
  const handlers: StreamHandlers = { onOpen: () => o.onConnected(true), onSnapshot: o.onSnapshot };
  const url = `${o.baseUrl}/api/v1/sdk/stream`;
  while (!o.signal.aborted) {
    const etag = o.etag();
    let end: StreamEnd;
    if (useFetch) {
      const headers: Record<string, string> = { authorization: `Bearer ${o.clientKey}` };
      if (etag !== null) headers["last-event-id"] = etag;
      end = await readFetchStream(o.fetch, url, headers, o.signal, o.idleTimeoutMs, handlers);
    } else {
      const query = `?key=${encodeURIComponent(o.clientKey)}${etag !== null ? `&lastEventId=${encodeURIComponent(etag)}` : ""}`;
      end = await readEventSource(o.EventSource!, url + query, o.signal, handlers);
    }
    o.onConnected(false);
    if (o.signal.aborted) return;
    if (end.outcome === "unsupported" && useFetch && o.EventSource !== undefined) {
      useFetch = false; // e.g. an injected fetch whose responses have no readable body
      continue;
    }
    if (end.outcome === "unsupported" || (end.outcome === "refused" && NO_STREAM_ENDPOINT.has(end.status ?? 0))) {
      return o.reportError(`snapshot stream not available (${end.status ? `HTTP ${end.status}` : "this runtime cannot stream"}); polling`);
    }
    failures = end.opened ? 1 : failures + 1;
    o.reportError(`snapshot stream ${end.outcome}${end.status ? ` (HTTP ${end.status})` : ""}${end.error ? `: ${end.error}` : ""}; polling until it reconnects`);
    await o.poll();
    await abortableSleep(backoffDelay(Math.min(failures - 1, 16), policy), o.signal);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    (t as { unref?: () => void }).unref?.();
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
