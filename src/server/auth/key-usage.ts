// "Last used" of API keys for the keys page: written at most once a minute per key and process,
// off the request's path. The assignment and event endpoints are hot, and a time to the minute is
// all the page shows. The update sends no auth-change notification: the key's rights are unchanged.
import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { apiKeys } from "@/db/schema";
import { processSingleton } from "@/core/process-singleton";

const TOUCH_EVERY_MS = 60_000;
const touched = processSingleton("apiKeyTouched", () => new Map<string, number>());

export function noteKeyUse(id: string, now = Date.now()): void {
  if (now - (touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
  if (touched.size > 10_000) touched.clear();
  touched.set(id, now);
  void getDb()
    .then((db) =>
      db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, id)),
    )
    .catch(() => touched.delete(id));
}
