// Every open snapshot stream of this process, and the one serialised frame they all share. A change
// of the snapshot (src/server/assignment/snapshot.ts: LISTEN/NOTIFY on the config store) is
// serialised once into an SSE frame (a Buffer), then written to every stream in slices, yielding to
// the event loop between slices so a fan-out to 10,000 streams does not stall /assign. A stream
// whose unsent bytes exceed MAX_BUFFERED_BYTES is a slow consumer: it is closed (its client
// reconnects with Last-Event-ID and gets the current snapshot) instead of buffering without limit.
import { principalForKey } from "@/server/auth/authenticate";
import { subscribeSnapshot, type CachedSnapshot } from "@/server/assignment/snapshot";
import { env } from "@/core/env";
import { processSingleton } from "@/core/process-singleton";

/** Where one stream's bytes go: a node:http response (server.ts) or a web ReadableStream (Next). */
export interface StreamSink {
  /** bytes queued for this client and not yet handed to the kernel */
  buffered(): number;
  write(chunk: Buffer): void;
  close(): void;
}

interface Stream {
  sink: StreamSink;
  /** etag of the last snapshot frame written */
  sent: string | null;
  /** the API key it authenticated with, re-checked every heartbeat (a revoked key is cut off) */
  token: string | null;
}

/**
 * Unsent bytes beyond which a stream is dropped. Frames are shared Buffers, so what a slow stream
 * holds is mostly references to the same bytes; the bound keeps the count of frames it pins small.
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;
/** Streams written per event-loop turn during a fan-out. */
const SLICE = 1000;
const HEARTBEAT = Buffer.from(":\n\n");
/** Fan-outs to at least this many streams are logged with their duration. */
const FANOUT_LOG_MIN = 100;

export interface HubStats {
  open: number;
  opened: number;
  droppedSlow: number;
  revoked: number;
  fanouts: number;
  /** how long the last fan-out took in this process, from the new snapshot to its last write */
  lastFanOutMs: number;
  lastFanOutStreams: number;
  /** etag of the snapshot the streams are being sent */
  etag: string | null;
}

export function snapshotFrame(s: CachedSnapshot): Buffer {
  return Buffer.from(`event: snapshot\nid: ${s.etag}\ndata: ${s.body}\n\n`);
}

class Hub {
  private readonly streams = new Set<Stream>();
  private current: { etag: string; frame: Buffer; seq: number } | null = null;
  private unsubscribe: (() => void) | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private fanning = false;
  private again = false;
  readonly stats = { opened: 0, droppedSlow: 0, revoked: 0, fanouts: 0, lastFanOutMs: 0, lastFanOutStreams: 0 };

  get size(): number {
    return this.streams.size;
  }

  snapshotStats(): HubStats {
    return { open: this.streams.size, ...this.stats, etag: this.current?.etag ?? null };
  }

  /** Whether one more stream may open (VERDICT_STREAM_MAX_CONNECTIONS). */
  hasRoom(): boolean {
    return this.streams.size < env().VERDICT_STREAM_MAX_CONNECTIONS;
  }

  /**
   * Adds a stream and sends it the current snapshot, unless lastEventId already names it (a
   * reconnect that missed nothing gets only a comment, which also flushes the headers).
   * Returns the function that removes it.
   */
  add(sink: StreamSink, snapshot: CachedSnapshot, opts: { lastEventId: string | null; token: string | null }): () => void {
    this.start();
    this.offer(snapshot);
    const stream: Stream = { sink, sent: opts.lastEventId, token: opts.token };
    this.streams.add(stream);
    this.stats.opened++;
    const cur = this.current!;
    if (stream.sent === cur.etag) this.send(stream, HEARTBEAT);
    else {
      stream.sent = cur.etag;
      this.send(stream, cur.frame);
    }
    return () => this.remove(stream);
  }

  /** A built snapshot: if it is newer and its content differs, every stream is sent it. */
  offer(s: CachedSnapshot): void {
    if (this.current && s.seq <= this.current.seq) return;
    if (this.current?.etag === s.etag) {
      this.current.seq = s.seq;
      return;
    }
    this.current = { etag: s.etag, frame: snapshotFrame(s), seq: s.seq };
    this.fanOut();
  }

  /**
   * The rollback drill's stream probe: a synthetic no-op change (an SSE comment, which clients
   * ignore) written to every open stream through the same sliced fan-out a snapshot takes, slow
   * consumers dropped alike. Resolves with the streams reached and when the last write was made.
   */
  probe(label: string): Promise<{ streams: number; at: number }> {
    const frame = Buffer.from(`: drill ${label.replace(/[\r\n]/g, " ")}\n\n`);
    const targets = [...this.streams];
    return new Promise((resolve) => {
      let i = 0;
      let reached = 0;
      const slice = () => {
        const end = Math.min(targets.length, i + SLICE);
        for (; i < end; i++) {
          const s = targets[i];
          if (!this.streams.has(s)) continue;
          if (s.sink.buffered() > MAX_BUFFERED_BYTES) {
            this.stats.droppedSlow++;
            this.drop(s);
            continue;
          }
          this.send(s, frame);
          reached++;
        }
        if (i < targets.length) return void setImmediate(slice);
        resolve({ streams: reached, at: performance.now() });
      };
      slice();
    });
  }

  /** Ends every stream (shutdown); clients reconnect to another instance or after the restart. */
  closeAll(): void {
    for (const s of [...this.streams]) this.drop(s);
    this.stop();
  }

  private remove(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    if (this.streams.size === 0) this.stop();
  }

  private drop(stream: Stream): void {
    this.remove(stream);
    try {
      stream.sink.close();
    } catch {
      /* already gone */
    }
  }

  /** One write; a sink that throws (closed underneath us) is dropped, never breaks a fan-out. */
  private send(stream: Stream, chunk: Buffer): void {
    try {
      stream.sink.write(chunk);
    } catch {
      this.drop(stream);
    }
  }

  private start(): void {
    this.unsubscribe ??= subscribeSnapshot((s) => this.offer(s));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => void this.beat(), env().VERDICT_STREAM_HEARTBEAT_SECONDS * 1000);
      this.heartbeat.unref();
    }
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private fanOut(): void {
    if (this.fanning) {
      this.again = true;
      return;
    }
    this.fanning = true;
    this.stats.fanouts++;
    const targets = [...this.streams];
    const started = performance.now();
    let i = 0;
    const slice = () => {
      const cur = this.current!;
      const end = Math.min(targets.length, i + SLICE);
      for (; i < end; i++) {
        const s = targets[i];
        if (s.sent === cur.etag || !this.streams.has(s)) continue;
        if (s.sink.buffered() > MAX_BUFFERED_BYTES) {
          this.stats.droppedSlow++;
          this.drop(s);
          continue;
        }
        s.sent = cur.etag;
        this.send(s, cur.frame);
      }
      if (i < targets.length) return void setImmediate(slice);
      this.fanning = false;
      this.stats.lastFanOutMs = performance.now() - started;
      this.stats.lastFanOutStreams = targets.length;
      // rare (one per configuration change), and the figure operators ask for
      if (targets.length >= FANOUT_LOG_MIN) console.log(`[verdict] snapshot ${cur.etag} sent to ${targets.length} streams in ${this.stats.lastFanOutMs.toFixed(0)} ms`);
      if (this.again) {
        this.again = false;
        this.fanOut();
      }
    };
    slice();
  }

  private async beat(): Promise<void> {
    const byToken = new Map<string, Stream[]>();
    for (const s of [...this.streams]) {
      if (s.sink.buffered() > MAX_BUFFERED_BYTES) {
        this.stats.droppedSlow++;
        this.drop(s);
        continue;
      }
      this.send(s, HEARTBEAT);
      if (s.token === null) continue;
      const group = byToken.get(s.token);
      if (group) group.push(s);
      else byToken.set(s.token, [s]);
    }
    // one (cached) look-up per distinct key, not per stream
    for (const [token, streams] of byToken) {
      const principal = await principalForKey(token).catch(() => undefined);
      if (principal !== null) continue; // undefined: the store is unreachable; keep serving
      for (const s of streams) {
        this.stats.revoked++;
        this.drop(s);
      }
    }
  }
}

/** The process's hub (one per process: server.ts's direct path and Next's route share it). */
export function streamHub(): Hub {
  return processSingleton("snapshotStreamHub", () => new Hub());
}
