// A minimal server-sent-events client over node:http for tests and benchmarks: every event with the
// time (performance.now()) its last byte arrived, and comment lines (heartbeats) counted.
import { request, type ClientRequest, type IncomingMessage } from "node:http";

export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
  /** performance.now() when the blank line ending the event was read */
  at: number;
}

export class SseConnection {
  readonly events: SseEvent[] = [];
  comments = 0;
  closed = false;
  private buf = "";
  private waiters: (() => void)[] = [];

  constructor(
    readonly status: number,
    readonly headers: IncomingMessage["headers"],
    private readonly req: ClientRequest,
    res: IncomingMessage,
  ) {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => this.feed(chunk));
    const end = () => {
      this.closed = true;
      this.wake();
    };
    res.on("end", end);
    res.on("close", end);
    res.on("error", end);
  }

  /** The body read so far of a non-stream answer (an error's JSON). */
  get text(): string {
    return this.buf;
  }

  private feed(chunk: string): void {
    if (this.status !== 200) {
      this.buf += chunk;
      return;
    }
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf("\n\n")) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const ev: SseEvent = { event: "message", id: null, data: "", at: performance.now() };
      let isEvent = false;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const c = line.indexOf(":");
        const field = c < 0 ? line : line.slice(0, c);
        const value = c < 0 ? "" : line.slice(c + 1).replace(/^ /, "");
        isEvent = true;
        if (field === "event") ev.event = value;
        else if (field === "id") ev.id = value;
        else if (field === "data") ev.data = ev.data ? `${ev.data}\n${value}` : value;
      }
      if (isEvent) this.events.push(ev);
      else this.comments++;
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when pred holds (checked on every chunk); rejects after timeoutMs. */
  async until(pred: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`SSE: ${what} not met within ${timeoutMs} ms (events: ${this.events.length}, closed: ${this.closed})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The first event whose id differs from `id` (and is not among the first `after` events). */
  async nextSnapshot(after: number, timeoutMs = 10_000): Promise<SseEvent> {
    await this.until(() => this.events.length > after, timeoutMs, `snapshot event #${after + 1}`);
    return this.events[after];
  }

  close(): void {
    this.req.destroy();
  }
}

export function connectSse(url: string, headers: Record<string, string> = {}, agent?: import("node:http").Agent | false): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream", ...headers }, agent: agent ?? false });
    req.on("response", (res) => resolve(new SseConnection(res.statusCode ?? 0, res.headers, req, res)));
    req.on("error", reject);
    req.end();
  });
}
