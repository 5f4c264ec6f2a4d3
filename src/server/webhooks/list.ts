import { desc } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { webhooks } from "@/db/schema";
import type { WebhookEventType } from "./schemas";

type Row = typeof webhooks.$inferSelect;

/** A subscriber as shown by the API: never the secret itself. */
export function toWebhook(row: Row) {
  return {
    id: row.id,
    url: row.url,
    experimentKey: row.experimentKey,
    events: row.events as WebhookEventType[],
    active: row.active === 1,
    secretPrefix: row.secret.slice(0, 10),
    createdAt: row.createdAt.toISOString(),
  };
}

export async function listWebhooks() {
  const db = await getDb();
  const rows = await db.select().from(webhooks).orderBy(desc(webhooks.createdAt));
  return rows.map(toWebhook);
}
