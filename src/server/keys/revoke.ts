import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { apiKeys } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import { clearKeyCache } from "@/server/auth/authenticate";
import { notifyAuthChanged } from "@/server/auth/invalidation";
import type { Principal } from "@/server/auth/principal";
import { notFound } from "@/core/errors";

/** Refused from the next request on, on every instance sharing the config store (src/server/auth/invalidation.ts). */
export async function revokeApiKey({ actor, id }: { actor: Principal; id: string }) {
  const db = await getDb();
  const revoked = await db.transaction(async (tx) => {
    const [row] = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id)).returning();
    if (!row) throw notFound("API key", id);
    await recordAudit(tx, actor, { action: "api_key.revoked", entityType: "api_key", entityKey: id, after: { name: row.name, revokedAt: row.revokedAt } });
    await notifyAuthChanged(tx, `api_key:${id}`);
    return { id: row.id, name: row.name, revokedAt: row.revokedAt };
  });
  // this process at once, without waiting for its own notification
  clearKeyCache();
  return revoked;
}
