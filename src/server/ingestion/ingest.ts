// The one way events enter the store: POST /api/v1/events and server-side callers (exposures
// recorded by POST /api/v1/assign) both come through here, so both get the same validation,
// durability and dedup guarantees.
import type { Principal } from "@/server/auth/principal";
import { env } from "@/core/env";
import { processSingleton } from "@/core/process-singleton";
import { refreshVariantCatalog, variantCatalog } from "./catalog";
import { ingestionPipeline } from "./pipeline";
import { takeRateTokens } from "./rate-limit";
import type { EventRow, IngestResult } from "./schemas";
import { hasUnknownExposure, validateEvents } from "./validate";

export interface IngestRequest {
  /** raw events as sent (validated here, one by one) */
  events: readonly unknown[];
  principal: Principal;
  /** apply the per-key rate limit (HTTP callers); server-generated events skip it */
  rateLimit?: boolean;
  /** when the events arrived (epoch ms); defaults to now */
  receivedAt?: number;
}

/**
 * Validates, then returns once every accepted event is durable (in ClickHouse or the fsynced spool).
 * Invalid events are reported by index and the valid ones kept. Throws AppError rate_limited (429)
 * or spool_full (503), both with Retry-After.
 */
export async function ingestEvents({ events, principal, rateLimit = true, receivedAt = Date.now() }: IngestRequest): Promise<IngestResult> {
  const source = rateLimit ? "api" : "server";
  try {
    if (rateLimit) takeRateTokens(principal.id, events.length, receivedAt, principal.rateLimit ?? env().VERDICT_INGEST_RATE_LIMIT);
    let catalog = await variantCatalog();
    if (hasUnknownExposure(events, catalog)) catalog = await refreshVariantCatalog();
    const { rows, rejected } = validateEvents(events, { receivedAt, catalog });
    await ingestionPipeline().submit(rows);
    counters.accepted[source] = (counters.accepted[source] ?? 0) + rows.length;
    for (const r of rejected) counters.rejected[r.code] = (counters.rejected[r.code] ?? 0) + 1;
    return { accepted: rows.length, rejected };
  } catch (e) {
    const code = (e as { code?: string }).code ?? "error";
    counters.refusedRequests[code] = (counters.refusedRequests[code] ?? 0) + 1;
    throw e;
  }
}

/** Detached rows beyond which recordServerEvents waits after all: bounds memory when the store lags. */
const MAX_DETACHED_ROWS = 50_000;

/**
 * Events the server generates itself (exposures of POST /api/v1/assign), already rows: valid by
 * construction, so they skip validation, and the caller does not wait for their fsync unless too
 * many are still waiting. They still take the one path into the store (group commit, spool,
 * dedup). A crash can lose the last few milliseconds of them, never acknowledged events: nobody
 * was told they were stored, and the next assignment of the unit records them again.
 */
export async function recordServerEvents(rows: EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const pipeline = ingestionPipeline();
  const submission = pipeline.submit(rows).then(() => {
    counters.accepted.server = (counters.accepted.server ?? 0) + rows.length;
  });
  pipeline.track(submission, rows.length);
  if (pipeline.detachedRows > MAX_DETACHED_ROWS) await submission;
}

export interface IngestCounters {
  /** events accepted since start, by source: "api" (POST /api/v1/events) or "server" (exposures of /assign) */
  accepted: Record<string, number>;
  /** events rejected by validation, by reason code */
  rejected: Record<string, number>;
  /** whole requests refused (rate_limited, spool_full, ...), by error code */
  refusedRequests: Record<string, number>;
}
// Read by /api/metrics; one object per process even if the bundler duplicates this module.
const counters = processSingleton<IngestCounters>("ingestion.counters", () => ({ accepted: {}, rejected: {}, refusedRequests: {} }));

/** Running totals since the process started (Prometheus counters). */
export function ingestCounters(): Readonly<IngestCounters> {
  return counters;
}
