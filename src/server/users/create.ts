import { eq } from "drizzle-orm";
import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { users } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import { hashPassword } from "@/server/auth/password";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/core/errors";
import type { CreateUserSchema } from "./schemas";

export async function createUser({ actor, input }: { actor: Principal; input: z.infer<typeof CreateUserSchema> }) {
  const db = await getDb();
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.username, input.username)).limit(1);
    if (existing) throw new AppError("conflict", `User '${input.username}' already exists`, { username: input.username });
    const [row] = await tx.insert(users).values({ username: input.username, passwordHash, role: input.role }).returning();
    const user = { id: row.id, username: row.username, role: row.role, createdAt: row.createdAt, disabledAt: row.disabledAt };
    await recordAudit(tx, actor, { action: "user.created", entityType: "user", entityKey: row.username, after: user });
    return user;
  });
}
