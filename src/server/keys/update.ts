import { eq } from "drizzle-orm";
import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { apiKeys } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import { clearKeyCache } from "@/server/auth/authenticate";
import { notifyAuthChanged } from "@/server/auth/invalidation";
import type { Principal } from "@/server/auth/principal";
import { AppError, notFound } from "@/core/errors";
import type { UpdateKeySchema } from "./schemas";

/** Sets or clears a key's ingestion limit; every instance sees it on the key's next request. */
export async function updateApiKey({ actor, id, input }: { actor: Principal; id: string; input: z.infer<typeof UpdateKeySchema> }) {
  const db = await getDb();
  const updated = await db.transaction(async (tx) => {
    const [before] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).for("update").limit(1);
    if (!before) throw notFound("API key", id);
    if (before.revokedAt) throw new AppError("conflict", `API key '${before.name}' is revoked`, { id });
    const [row] = await tx.update(apiKeys).set({ rateLimit: input.rateLimit }).where(eq(apiKeys.id, id)).returning();
    await recordAudit(tx, actor, { action: "api_key.updated", entityType: "api_key", entityKey: id, before: { rateLimit: before.rateLimit }, after: { rateLimit: row.rateLimit } });
    await notifyAuthChanged(tx, `api_key:${id}`);
    return { id: row.id, name: row.name, kind: row.kind, role: row.role, prefix: row.prefix, rateLimit: row.rateLimit };
  });
  clearKeyCache();
  return updated;
}
