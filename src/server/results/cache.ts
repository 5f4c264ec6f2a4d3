// Results are cached per experiment for VERDICT_RESULTS_CACHE_SECONDS (0 disables) and dropped as
// soon as the experiment changes, so a stage change or a re-randomisation is never shown stale.
import { env } from "@/core/env";
import { subscribeExperimentChanges } from "@/server/experiments/change";

const entries = new Map<string, { expires: number; value: Promise<unknown> }>();
let subscribed = false;

export async function cachedResults<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const ttl = env().VERDICT_RESULTS_CACHE_SECONDS * 1000;
  if (ttl <= 0) return compute();
  if (!subscribed) {
    subscribed = true;
    subscribeExperimentChanges((e) => entries.delete(e.key));
  }
  const hit = entries.get(key);
  if (hit && hit.expires > Date.now()) return hit.value as Promise<T>;
  const value = compute();
  entries.set(key, { expires: Date.now() + ttl, value });
  // a failed computation is not cached
  value.catch(() => entries.get(key)?.value === value && entries.delete(key));
  return value;
}

export function clearResultsCache(): void {
  entries.clear();
}
