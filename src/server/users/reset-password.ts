import { eq } from "drizzle-orm";
import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { sessions, users } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import { notifyAuthChanged } from "@/server/auth/invalidation";
import { hashPassword } from "@/server/auth/password";
import type { Principal } from "@/server/auth/principal";
import { notFound } from "@/core/errors";
import type { ResetPasswordSchema } from "./schemas";

/** An admin sets a new password; the user's sessions end (whoever held the old password is signed out). */
export async function resetPassword({ actor, id, input }: { actor: Principal; id: string; input: z.infer<typeof ResetPasswordSchema> }) {
  const passwordHash = await hashPassword(input.password);
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [row] = await tx.update(users).set({ passwordHash }).where(eq(users.id, id)).returning({ id: users.id, username: users.username });
    if (!row) throw notFound("User", id);
    const ended = await tx.delete(sessions).where(eq(sessions.userId, id)).returning({ id: sessions.id });
    // never the password or its hash
    await recordAudit(tx, actor, { action: "user.password_reset", entityType: "user", entityKey: row.username, after: { sessionsEnded: ended.length } });
    await notifyAuthChanged(tx, `user:${id}`);
    return { id: row.id, username: row.username, sessionsEnded: ended.length };
  });
}
