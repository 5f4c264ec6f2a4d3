// Opt-in per-key token bucket over events (not requests): the key's own limit (keys API), else
// VERDICT_INGEST_RATE_LIMIT events/s (default 0 = none), with a burst of one second's worth (at least
// one full request of LIMITS.maxEvents, so any valid request can eventually pass). In-process: each
// server replica limits on its own. Overload itself is shed by the pipeline's bounded queue.
import { env } from "@/core/env";
import { AppError } from "@/core/errors";
import { processSingleton } from "@/core/process-singleton";
import { LIMITS } from "./schemas";

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = processSingleton<Map<string, Bucket>>("ingestion.rateLimit", () => new Map());

/** Takes `events` tokens from the key's bucket or throws 429 with the seconds until they exist. */
export function takeRateTokens(keyId: string, events: number, now = Date.now(), rate = env().VERDICT_INGEST_RATE_LIMIT): void {
  if (rate <= 0 || events === 0) return;
  const burst = Math.max(rate, LIMITS.maxEvents);
  let b = buckets.get(keyId);
  if (!b) {
    if (buckets.size > 10_000) buckets.clear();
    b = { tokens: burst, at: now };
    buckets.set(keyId, b);
  }
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
  b.at = now;
  if (b.tokens >= events) {
    b.tokens -= events;
    return;
  }
  const retryAfter = Math.max(1, Math.ceil((events - b.tokens) / rate));
  throw new AppError(
    "rate_limited",
    `Rate limit of ${rate} events/s for this key exceeded; retry after ${retryAfter} s`,
    { limit: rate, retryAfterSeconds: retryAfter },
    {
      "retry-after": String(retryAfter),
    },
  );
}

/** Only for tests. */
export function resetRateLimits(): void {
  buckets.clear();
}
