import { and, desc, eq, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { webhookDeliveries, webhooks } from "@/db/schema";
import { notFound } from "@/server/errors";
import type { ListDeliveriesQuery } from "./schemas";

/** The delivery log of one subscriber, newest first (viewers may read it; it holds no URL or secret). */
export async function listDeliveries({ id, query }: { id: string; query: z.output<typeof ListDeliveriesQuery> }) {
  const db = await getDb();
  const [hook] = await db.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.id, id)).limit(1);
  if (!hook) throw notFound("Webhook", id);
  const where: SQL[] = [eq(webhookDeliveries.webhookId, id)];
  if (query.status) where.push(eq(webhookDeliveries.status, query.status));
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(...where))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(query.limit);
  return {
    deliveries: rows.map((r) => ({
      id: r.id,
      event: r.event,
      payload: r.payload,
      status: r.status,
      attempts: r.attempts,
      lastStatusCode: r.lastStatusCode,
      lastError: r.lastError,
      nextAttemptAt: r.status === "pending" ? r.nextAttemptAt.toISOString() : null,
      createdAt: r.createdAt.toISOString(),
      deliveredAt: r.deliveredAt?.toISOString() ?? null,
    })),
  };
}
