// The outbox: an event becomes one pending row per matching subscriber, written BEFORE anything is
// sent, so a crash between the decision and the HTTP call loses nothing (the delivery loop picks the
// rows up on the next start).
import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { webhookDeliveries, webhooks } from "@/db/schema";
import type { WebhookEvent } from "./schemas";

/** Stores one delivery per subscriber of this event (global or of this experiment); returns how many. */
export async function enqueueWebhookEvent(event: WebhookEvent): Promise<number> {
  const db = await getDb();
  const hooks = await db.select().from(webhooks).where(eq(webhooks.active, 1));
  const targets = hooks.filter((h) => (h.experimentKey === null || h.experimentKey === event.experimentKey) && (h.events as string[]).includes(event.type));
  if (targets.length === 0) return 0;
  const payload = { experiment: event.experimentKey, occurredAt: event.occurredAt, text: event.text, data: event.data };
  await db.insert(webhookDeliveries).values(targets.map((h) => ({ webhookId: h.id, event: event.type, payload })));
  return targets.length;
}
