/**
 * Sending event batches to POST /api/v1/events: retries with exponential backoff and jitter on
 * network errors, 5xx and 429 (honouring Retry-After), never on other 4xx (the batch would be
 * refused again). Events the server rejects individually (200 with `rejected`) are not retried
 * either: they are invalid, and retrying cannot fix them.
 */

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface SendResult {
  /** "sent": the server answered 200; "refused": a 4xx for the whole batch; "failed": gave up retrying. */
  outcome: "sent" | "refused" | "failed";
  accepted: number;
  rejected: { index: number; code: string; message: string }[];
  attempts: number;
  error?: string;
}

/** Exponential backoff with "equal jitter": half the capped delay plus a random half. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return capped / 2 + random() * (capped / 2);
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null when absent/invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** POSTs one JSON body with the retry policy; resolves (never rejects) with what happened. */
export async function sendWithRetry(fetchImpl: typeof fetch, url: string, clientKey: string, body: string, count: number, policy: RetryPolicy): Promise<SendResult> {
  let lastError = "";
  for (let attempt = 0; ; attempt++) {
    let retryAfterMs: number | null = null;
    try {
      const res = await fetchImpl(url, {
        method: "POST",
        headers: { authorization: `Bearer ${clientKey}`, "content-type": "application/json" },
        body,
      });
      if (res.ok) {
        const json = (await res.json().catch(() => ({}))) as { accepted?: number; rejected?: SendResult["rejected"] };
        const rejected = Array.isArray(json.rejected) ? json.rejected : [];
        return { outcome: "sent", accepted: json.accepted ?? count - rejected.length, rejected, attempts: attempt + 1 };
      }
      const text = await res.text().catch(() => "");
      lastError = `HTTP ${res.status} ${text.slice(0, 200)}`;
      if (res.status !== 429 && res.status < 500) {
        return { outcome: "refused", accepted: 0, rejected: [], attempts: attempt + 1, error: lastError };
      }
      retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (attempt >= policy.maxRetries) return { outcome: "failed", accepted: 0, rejected: [], attempts: attempt + 1, error: lastError };
    // The server's Retry-After is a floor: retrying earlier would only be refused again.
    await sleep(Math.max(retryAfterMs ?? 0, backoffDelay(attempt, policy)));
  }
}
