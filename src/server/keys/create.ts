import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { apiKeys } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import { displayPrefix, hashToken, newToken } from "@/server/auth/tokens";
import type { CreateKeySchema } from "./schemas";

/** The token is returned once, here; only its hash is stored. */
export async function createApiKey({ actor, input }: { actor: Principal; input: z.infer<typeof CreateKeySchema> }) {
  const token = newToken(input.kind === "server" ? "vd_srv" : "vd_cli");
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        name: input.name,
        kind: input.kind,
        role: input.role ?? null,
        prefix: displayPrefix(token),
        tokenHash: hashToken(token),
        createdBy: actor.name,
        rateLimit: input.rateLimit ?? null,
      })
      .returning();
    const key = { id: row.id, name: row.name, kind: row.kind, role: row.role, prefix: row.prefix, createdAt: row.createdAt, rateLimit: row.rateLimit };
    await recordAudit(tx, actor, { action: "api_key.created", entityType: "api_key", entityKey: row.id, after: key });
    return { ...key, token };
  });
}
