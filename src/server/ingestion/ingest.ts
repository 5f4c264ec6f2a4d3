// The one way events enter the store: POST /api/v1/events and server-side callers (exposures
// recorded by POST /api/v1/assign) both come through here, so both get the same validation,
// durability and dedup guarantees.
import type { Principal } from "@/server/auth/principal";
import { refreshVariantCatalog, variantCatalog } from "./catalog";
import { ingestionPipeline } from "./pipeline";
import { takeRateTokens } from "./rate-limit";
import type { IngestResult } from "./schemas";
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
  if (rateLimit) takeRateTokens(principal.id, events.length, receivedAt);
  let catalog = await variantCatalog();
  if (hasUnknownExposure(events, catalog)) catalog = await refreshVariantCatalog();
  const { rows, rejected } = validateEvents(events, { receivedAt, catalog });
  await ingestionPipeline().submit(rows);
  return { accepted: rows.length, rejected };
}
