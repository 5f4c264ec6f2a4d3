import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { webhooks } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import { notFound } from "@/core/errors";
import { toWebhook } from "./list";

/** Removes the subscriber and its delivery log (ON DELETE CASCADE); the audit entry keeps what it was. */
export async function deleteWebhook({ actor, id }: { actor: Principal; id: string }) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [row] = await tx.delete(webhooks).where(eq(webhooks.id, id)).returning();
    if (!row) throw notFound("Webhook", id);
    const hook = toWebhook(row);
    await recordAudit(tx, actor, { action: "webhook.deleted", entityType: "webhook", entityKey: id, before: hook });
    return { ...hook, deleted: true };
  });
}
