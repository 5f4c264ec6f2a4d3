import { and, eq, isNull, ne } from "drizzle-orm";
import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { sessions, users } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import { notifyAuthChanged } from "@/server/auth/invalidation";
import type { Principal } from "@/server/auth/principal";
import { AppError, notFound } from "@/core/errors";
import type { UpdateUserSchema } from "./schemas";

/**
 * Changes a user's role and/or disables or enables them, one audit entry per change. Sessions are
 * looked up with their user on every request, so a new role applies to the user's next request;
 * disabling also deletes their sessions, so they end at once on every instance.
 */
export async function updateUser({ actor, id, input }: { actor: Principal; id: string; input: z.infer<typeof UpdateUserSchema> }) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    // every admin row locked: two admins demoting or disabling each other at once cannot both pass the check below
    await tx.select({ id: users.id }).from(users).where(eq(users.role, "admin")).for("update");
    const [before] = await tx.select().from(users).where(eq(users.id, id)).for("update").limit(1);
    if (!before) throw notFound("User", id);
    const role = input.role ?? before.role;
    const disabledAt = input.disabled === undefined ? before.disabledAt : input.disabled ? (before.disabledAt ?? new Date()) : null;
    if (before.role === "admin" && !before.disabledAt && (role !== "admin" || disabledAt)) {
      const others = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, "admin"), isNull(users.disabledAt), ne(users.id, id)))
        .limit(1);
      if (others.length === 0) throw new AppError("conflict", `'${before.username}' is the last enabled admin; make another user admin first`, { id });
    }
    const [row] = await tx.update(users).set({ role, disabledAt }).where(eq(users.id, id)).returning();
    const entityKey = row.username;
    if (role !== before.role) {
      await recordAudit(tx, actor, { action: "user.role_changed", entityType: "user", entityKey, before: { role: before.role }, after: { role } });
    }
    if (disabledAt && !before.disabledAt) {
      const ended = await tx.delete(sessions).where(eq(sessions.userId, id)).returning({ id: sessions.id });
      await recordAudit(tx, actor, { action: "user.disabled", entityType: "user", entityKey, after: { disabledAt, sessionsEnded: ended.length } });
    }
    if (!disabledAt && before.disabledAt) {
      await recordAudit(tx, actor, { action: "user.enabled", entityType: "user", entityKey, before: { disabledAt: before.disabledAt } });
    }
    await notifyAuthChanged(tx, `user:${id}`);
    return { id: row.id, username: row.username, role: row.role, createdAt: row.createdAt, disabledAt: row.disabledAt };
  });
}
