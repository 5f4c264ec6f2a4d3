import { and, desc, eq, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { webhookDeliveries, webhooks } from "@/db/schema";
import type { Principal } from "@/server/auth/principal";
import { notFound } from "@/core/errors";
import type { ListDeliveriesQuery } from "./schemas";

/**
 * What a non-admin reads instead of the error text. The text (connection refused, timed out, TLS or
 * DNS errors, "destination refused") tells what answers where on the server's network: with it a
 * viewer could use webhooks as a port scanner. Status codes stay visible to everyone.
 */
export const REDACTED_ERROR = "no HTTP response (details visible to admins)";

/** The delivery log of one subscriber, newest first (viewers may read it; it holds no URL or secret). */
export async function listDeliveries({ actor, id, query }: { actor: Principal; id: string; query: z.output<typeof ListDeliveriesQuery> }) {
  const showErrors = actor.role === "admin";
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
      lastError: showErrors || r.lastError === null ? r.lastError : r.lastStatusCode === null ? REDACTED_ERROR : `HTTP ${r.lastStatusCode}`,
      nextAttemptAt: r.status === "pending" ? r.nextAttemptAt.toISOString() : null,
      createdAt: r.createdAt.toISOString(),
      deliveredAt: r.deliveredAt?.toISOString() ?? null,
    })),
  };
}
