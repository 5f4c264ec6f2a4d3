/** The public types of VerdictClient: its options, the events it ships, its counters and snapshot-change notifications. */
import type { EventSourceConstructor } from "./stream";
import type { RetryPolicy } from "./transport";
import type { AttributeValue, Snapshot } from "./types";

export interface VerdictClientOptions {
  baseUrl: string;
  /** A `client` API key: may read the config and send events, nothing else. */
  clientKey: string;
  /** Snapshot polling period while not streaming; 0 disables periodic polling. Default 60 s. */
  refreshIntervalMs?: number;
  /**
   * Keep the snapshot current through GET /api/v1/sdk/stream (default true where fetch can stream
   * a response body or EventSource exists). While the stream is down the client polls, and it
   * reconnects with backoff (1 s doubling to refreshIntervalMs, at most 60 s).
   */
  streaming?: boolean;
  /** A stream silent this long (no snapshot, no heartbeat) is treated as broken. Default 45 s (3 heartbeats). */
  streamIdleTimeoutMs?: number;
  /** How to stream: fetch (default where it can stream a body; sends the key as a header) or EventSource. */
  streamWith?: "fetch" | "eventsource";
  /** EventSource implementation (default: the global one), used when fetch cannot stream. */
  EventSource?: EventSourceConstructor;
  fetch?: typeof fetch;
  /** Attributes merged under every unit's own attributes (e.g. appVersion, platform). */
  attributes?: Record<string, AttributeValue>;
  /** A snapshot to evaluate before (or instead of) the first fetch, e.g. rendered by the server. */
  snapshot?: Snapshot;
  /** Period of background flushes; 0 disables them (flush() / close() still send). Default 5 s. */
  flushIntervalMs?: number;
  /** Events per request, at most 1000 (the server's limit). */
  maxBatchSize?: number;
  /** Queued events kept while the server is unreachable; the oldest are dropped beyond. Default 10,000. */
  maxQueueSize?: number;
  /** Retry policy for event batches. Defaults: 5 retries, 500 ms doubling up to 30 s. */
  retry?: Partial<RetryPolicy>;
  /** (unit, experiment, variant) triples remembered for exposure de-duplication. Default 100,000. */
  exposureCacheSize?: number;
  onError?: (error: Error) => void;
}

/** A KPI event as the application reports it; `id` and `timestamp` are filled in when absent. */
export interface TrackEvent {
  id?: string;
  type: string;
  userId: string;
  value?: number;
  name?: string;
  properties?: Record<string, AttributeValue>;
  timestamp?: string | number;
}

export interface ExposureEvent {
  id: string;
  type: "exposure";
  userId: string;
  experiment: string;
  variant: string;
  timestamp: string;
  /** the unit's attributes (bounded: ./exposure-properties.ts) */
  properties?: Record<string, string | number | boolean>;
}

export interface ClientStats {
  queued: number;
  /** Events the server accepted. */
  accepted: number;
  /** Events the server refused (individually, or a whole batch with a 4xx). */
  rejected: number;
  /** Events dropped because the queue was full. */
  dropped: number;
  /** Events given up after exhausting retries while closing (before close() they stay queued). */
  failed: number;
  exposuresLogged: number;
  snapshotFetches: number;
  snapshotNotModified: number;
  /** stream connections accepted by the server */
  streamConnects: number;
  /** snapshots received on the stream */
  streamSnapshots: number;
  /** whether a stream is connected now */
  streaming: boolean;
}

/** What a snapshot listener is told besides the snapshot. */
export interface SnapshotChange {
  etag: string | null;
  /** how it arrived */
  source: "stream" | "poll";
  /** Date.now() and performance.now() (when available) when the client applied it, just after reading it */
  receivedAt: number;
  receivedAtPerf: number | null;
}

export type SnapshotListener = (snapshot: Snapshot, change: SnapshotChange) => void;
