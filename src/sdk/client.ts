/**
 * VerdictClient: fetches the snapshot (GET /api/v1/sdk/config, ETag-aware) and keeps it current
 * through GET /api/v1/sdk/stream (server-sent events; polling with backoff while the stream is
 * down), evaluates locally with exactly the code the server uses (./evaluate), logs each exposure
 * once, and ships exposure and KPI events to POST /api/v1/events in batches. Its one runtime
 * dependency is re2js (regex rules in linear time, as on the server); it needs a global `fetch`
 * (browsers, Node >= 18) or an injected one.
 */
import { compileSnapshot, type CompiledSnapshot } from "./evaluate";
import { exposureProperties } from "./exposure-properties";
import { BoundedQueue, utf8Length } from "./queue";
import { attributeOf } from "./targeting";
import { runSnapshotStream, type EventSourceConstructor } from "./stream";
import { sendWithRetry, type RetryPolicy } from "./transport";
import type { Assignment, AttributeValue, DetailedAssignment, Snapshot, Unit } from "./types";

import type { ClientStats, ExposureEvent, SnapshotChange, SnapshotListener, TrackEvent, VerdictClientOptions } from "./client-types";

export type { ClientStats, ExposureEvent, SnapshotChange, SnapshotListener, TrackEvent, VerdictClientOptions } from "./client-types";

interface QueuedEvent {
  json: string;
  bytes: number;
}

/** The server accepts 1 MiB per request; stay clearly below it. */
const MAX_BODY_BYTES = 900_000;
/** Browsers cap a beacon at about 64 KiB. */
const MAX_BEACON_BYTES = 60_000;
const MAX_EVENTS_PER_REQUEST = 1000;

function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  // Fallback for old runtimes: a v4-shaped id; uniqueness is all ingestion needs.
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (ch) => {
    const r = (Math.random() * 16) | 0;
    return (ch === "x" ? r : (r & 0x3) | 0x8).toString(16);
  });
}

export class VerdictClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly retry: RetryPolicy;
  private readonly maxBatchSize: number;
  private readonly queue: BoundedQueue<QueuedEvent>;
  private readonly exposureCacheSize: number;
  private readonly seenExposures = new Set<string>();
  private compiled: CompiledSnapshot | null = null;
  private etag: string | null = null;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private flushChain: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private closed = false;
  /** the periodic refresh in flight, awaited by close() so nothing runs after it */
  private backgroundRefresh: Promise<void> | null = null;
  private removePageHideListeners: (() => void) | null = null;
  private readonly counters = { accepted: 0, rejected: 0, failed: 0, exposuresLogged: 0, snapshotFetches: 0, snapshotNotModified: 0, streamConnects: 0, streamSnapshots: 0 };
  private readonly listeners = new Set<SnapshotListener>();
  private streamConnected = false;
  private streamLoop: Promise<void> | null = null;
  private readonly stopStream = new AbortController();

  constructor(private readonly options: VerdictClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    // The global fetch must be called with globalThis as `this` in browsers ("Illegal invocation").
    const f = options.fetch ?? (typeof globalThis.fetch === "function" ? globalThis.fetch.bind(globalThis) : undefined);
    if (typeof f !== "function") throw new Error("VerdictClient needs a fetch implementation (global fetch or options.fetch)");
    this.fetchImpl = f;
    this.retry = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000, ...options.retry };
    this.maxBatchSize = Math.max(1, Math.min(MAX_EVENTS_PER_REQUEST, options.maxBatchSize ?? MAX_EVENTS_PER_REQUEST));
    this.queue = new BoundedQueue<QueuedEvent>(options.maxQueueSize ?? 10_000);
    this.exposureCacheSize = options.exposureCacheSize ?? 100_000;
    if (options.snapshot) this.compiled = compileSnapshot(options.snapshot);
  }

  /** Loads the snapshot and starts the refresh / flush timers. Rejects if the first load fails (timers still run, so it recovers). */
  async init(): Promise<void> {
    this.startTimers();
    try {
      await this.refresh();
    } finally {
      this.startStreaming();
    }
  }

  /**
   * Calls the listener with every new snapshot (a different etag), from the stream or a poll,
   * synchronously as it is applied; returns the function that unsubscribes.
   */
  onSnapshot(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fetches the snapshot now; a 304 keeps the current one. Rejects on failure, keeping the old snapshot. */
  async refresh(): Promise<void> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.clientKey}`, accept: "application/json" };
    if (this.etag !== null) headers["if-none-match"] = this.etag;
    const res = await this.fetchImpl(`${this.baseUrl}/api/v1/sdk/config`, { headers });
    this.counters.snapshotFetches++;
    if (res.status === 304) {
      this.counters.snapshotNotModified++;
      return;
    }
    if (!res.ok) throw new Error(`GET /api/v1/sdk/config answered HTTP ${res.status}`);
    this.apply((await res.json()) as Snapshot, res.headers.get("etag"), "poll");
  }

  private apply(snapshot: Snapshot, etag: string | null, source: SnapshotChange["source"]): void {
    if (snapshot?.version !== 1 || snapshot.hashVersion !== 1 || !Array.isArray(snapshot.experiments)) {
      throw new Error(`unsupported snapshot (version ${String(snapshot?.version)}, hashVersion ${String(snapshot?.hashVersion)})`);
    }
    const changed = etag === null || etag !== this.etag;
    this.compiled = compileSnapshot(snapshot);
    this.etag = etag;
    if (!changed) return;
    const perf = (globalThis as { performance?: { now(): number } }).performance;
    const change: SnapshotChange = { etag, source, receivedAt: Date.now(), receivedAtPerf: perf ? perf.now() : null };
    for (const l of this.listeners) {
      try {
        l(snapshot, change);
      } catch (e) {
        this.reportError(`snapshot listener threw: ${String(e)}`);
      }
    }
  }

  /** The snapshot currently evaluated, or null before the first load. */
  get snapshot(): Snapshot | null {
    return this.compiled?.snapshot ?? null;
  }

  /** The variant the unit must see, or null if the experiment is unknown (or nothing is loaded). Logs the exposure. */
  getVariant(experimentKey: string, unit: Unit): string | null {
    return this.getAssignment(experimentKey, unit)?.variant ?? null;
  }

  /** The full assignment, or null if the experiment is unknown. Logs the exposure. */
  getAssignment(experimentKey: string, unit: Unit): Assignment | null {
    return this.getDetailedAssignment(experimentKey, unit)?.assignment ?? null;
  }

  /** Assignment plus the reason behind it (for the OpenFeature provider). Logs the exposure. */
  getDetailedAssignment(experimentKey: string, unit: Unit): DetailedAssignment | null {
    const experiment = this.compiled?.get(experimentKey);
    if (experiment === undefined) return null;
    const merged = this.withDefaults(unit);
    const detailed = experiment.evaluateDetailed(merged);
    if (detailed.assignment.exposed) this.logExposure(detailed.assignment, attributeOf(merged, experiment.source.hashAttribute || "userId"), merged);
    return detailed;
  }

  /** Assignments for every experiment of the snapshot; logs the exposed ones. */
  getAssignments(unit: Unit): Assignment[] {
    const compiled = this.compiled;
    if (compiled === null) return [];
    const merged = this.withDefaults(unit);
    const all = compiled.evaluateAll(merged);
    for (let i = 0; i < all.length; i++) {
      if (all[i].exposed) this.logExposure(all[i], attributeOf(merged, compiled.experiments[i].source.hashAttribute || "userId"), merged);
    }
    return all;
  }

  /** Queues a KPI event (page_load, error, metric, ...). */
  track(event: TrackEvent): void {
    this.enqueue({ ...event, id: event.id ?? randomId(), timestamp: event.timestamp ?? new Date().toISOString() });
  }

  /** Sends everything queued now; resolves when done (never rejects: failures are counted). */
  flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.drain());
    return this.flushChain;
  }

  /** Stops timers and listeners, then flushes what is queued. */
  async close(): Promise<void> {
    if (this.closed) return this.flushChain;
    this.closed = true;
    this.stopStream.abort();
    await this.streamLoop;
    if (this.refreshTimer !== null) clearInterval(this.refreshTimer);
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    this.refreshTimer = this.flushTimer = null;
    this.removePageHideListeners?.();
    await this.backgroundRefresh;
    await this.flush();
  }

  get stats(): ClientStats {
    return { ...this.counters, queued: this.queue.size, dropped: this.queue.dropped, streaming: this.streamConnected };
  }

  // ---- internals --------------------------------------------------------------------------

  private withDefaults(unit: Unit): Unit {
    const defaults = this.options.attributes;
    if (defaults === undefined) return unit;
    return { ...unit, attributes: unit.attributes === undefined ? defaults : { ...defaults, ...unit.attributes } };
  }

  private logExposure(assignment: Assignment, unitId: AttributeValue | undefined, unit: Unit): void {
    if (unitId === undefined) return;
    const userId = String(unitId);
    const key = `${userId}\u0000${assignment.experiment}\u0000${assignment.variant}`;
    if (this.seenExposures.has(key)) return;
    if (this.seenExposures.size >= this.exposureCacheSize) {
      // Forget the oldest triple (Sets iterate in insertion order): bounded memory; at worst a
      // long-gone unit logs one duplicate exposure, which ingestion counts once anyway.
      const oldest = this.seenExposures.values().next().value;
      if (oldest !== undefined) this.seenExposures.delete(oldest);
    }
    this.seenExposures.add(key);
    this.counters.exposuresLogged++;
    // the unit's attributes travel with the exposure: segment breakdowns read them at first exposure
    const properties = exposureProperties(unit.attributes);
    const event: ExposureEvent = {
      id: randomId(),
      type: "exposure",
      userId,
      experiment: assignment.experiment,
      variant: assignment.variant,
      timestamp: new Date().toISOString(),
      ...(properties ? { properties } : {}),
    };
    this.enqueue(event);
  }

  private enqueue(event: object): void {
    const json = JSON.stringify(event);
    this.queue.push({ json, bytes: utf8Length(json) });
    if (this.queue.size >= this.maxBatchSize && !this.flushScheduled && !this.closed) {
      this.flushScheduled = true;
      void this.flush().finally(() => (this.flushScheduled = false));
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0) {
      const batch = this.queue.take(this.maxBatchSize, MAX_BODY_BYTES, (e) => e.bytes + 1);
      const body = `{"events":[${batch.map((e) => e.json).join(",")}]}`;
      const result = await sendWithRetry(this.fetchImpl, `${this.baseUrl}/api/v1/events`, this.options.clientKey, body, batch.length, this.retry);
      if (result.outcome === "sent") {
        this.counters.accepted += result.accepted;
        this.counters.rejected += result.rejected.length;
        if (result.rejected.length > 0) this.reportError(`${result.rejected.length} events rejected, first: ${result.rejected[0].code} ${result.rejected[0].message}`);
      } else if (result.outcome === "failed" && !this.closed) {
        // The server is down or shedding load (503/429): keep the events, at the front so order
        // holds, and try again at the next flush. The queue stays bounded: beyond maxQueueSize the
        // oldest are dropped and counted in stats.dropped.
        this.queue.unshiftAll(batch);
        this.reportError(`event batch of ${batch.length} not delivered after ${result.attempts} attempt(s), kept for the next flush: ${result.error}`);
        return;
      } else {
        if (result.outcome === "refused") this.counters.rejected += batch.length;
        else this.counters.failed += batch.length;
        this.reportError(`event batch of ${batch.length} ${result.outcome} after ${result.attempts} attempt(s): ${result.error}`);
      }
    }
  }

  private reportError(message: string): void {
    this.options.onError?.(new Error(message));
  }

  private startTimers(): void {
    if (this.closed || this.refreshTimer !== null || this.flushTimer !== null) return;
    const refreshMs = this.options.refreshIntervalMs ?? 60_000;
    const flushMs = this.options.flushIntervalMs ?? 5_000;
    // unref(): a Node process must be free to exit even if the app forgot close().
    if (refreshMs > 0) {
      this.refreshTimer = setInterval(() => {
        if (this.backgroundRefresh || this.streamConnected) return;
        this.backgroundRefresh = this.refresh()
          .catch((e: unknown) => this.reportError(`snapshot refresh failed: ${String(e)}`))
          .finally(() => (this.backgroundRefresh = null));
      }, refreshMs);
      (this.refreshTimer as { unref?: () => void }).unref?.();
    }
    if (flushMs > 0) {
      this.flushTimer = setInterval(() => void this.flush(), flushMs);
      (this.flushTimer as { unref?: () => void }).unref?.();
    }
    this.listenForPageHide();
  }

  /** Starts the stream loop once, if streaming is enabled and this runtime can stream. */
  private startStreaming(): void {
    if (this.closed || this.streamLoop !== null || this.options.streaming === false) return;
    this.streamLoop = runSnapshotStream({
      baseUrl: this.baseUrl,
      clientKey: this.options.clientKey,
      fetch: this.fetchImpl,
      EventSource: this.options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource,
      preferEventSource: this.options.streamWith === "eventsource",
      idleTimeoutMs: this.options.streamIdleTimeoutMs ?? 45_000,
      maxBackoffMs: Math.min(60_000, Math.max(1000, this.options.refreshIntervalMs || 60_000)),
      signal: this.stopStream.signal,
      etag: () => this.etag,
      onConnected: (connected) => {
        this.streamConnected = connected;
        if (connected) this.counters.streamConnects++;
      },
      onSnapshot: (data, id) => {
        try {
          this.apply(JSON.parse(data) as Snapshot, id, "stream");
          this.counters.streamSnapshots++;
        } catch (e) {
          this.reportError(`bad snapshot on the stream: ${String(e)}`);
        }
      },
      poll: () => this.refresh().catch((e: unknown) => this.reportError(`snapshot refresh failed: ${String(e)}`)),
      reportError: (message) => this.reportError(message),
    });
  }

  /** In a browser, ships the queue with sendBeacon when the page is hidden or unloaded. */
  private listenForPageHide(): void {
    const g = globalThis as { document?: Document; addEventListener?: Window["addEventListener"]; removeEventListener?: Window["removeEventListener"]; navigator?: Navigator };
    if (g.document === undefined || typeof g.addEventListener !== "function" || typeof g.navigator?.sendBeacon !== "function") return;
    const doc = g.document;
    const onVisibility = () => {
      if (doc.visibilityState === "hidden") this.flushWithBeacon();
    };
    const onPageHide = () => this.flushWithBeacon();
    doc.addEventListener("visibilitychange", onVisibility);
    g.addEventListener("pagehide", onPageHide);
    this.removePageHideListeners = () => {
      doc.removeEventListener("visibilitychange", onVisibility);
      g.removeEventListener?.("pagehide", onPageHide);
    };
  }

  /**
   * sendBeacon cannot set headers, so the key travels as ?key=; the body is sent as a string
   * (text/plain) because a JSON content type would need a CORS preflight a beacon cannot do.
   */
  flushWithBeacon(): void {
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    if (typeof nav?.sendBeacon !== "function") return;
    const url = `${this.baseUrl}/api/v1/events?key=${encodeURIComponent(this.options.clientKey)}`;
    while (this.queue.size > 0) {
      const batch = this.queue.take(this.maxBatchSize, MAX_BEACON_BYTES, (e) => e.bytes + 1);
      const ok = nav.sendBeacon(url, `{"events":[${batch.map((e) => e.json).join(",")}]}`);
      if (!ok) {
        this.queue.unshiftAll(batch); // the browser's beacon quota is full: keep them for later
        return;
      }
    }
  }
}
