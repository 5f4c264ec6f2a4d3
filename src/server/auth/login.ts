import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/postgres";
import { sessions, users } from "@/db/schema";
import { env } from "@/core/env";
import { AppError } from "@/core/errors";
import { text } from "@/server/schemas/text";
import { dummyHash, hashPassword, isLegacyHash, verifyPassword } from "./password";
import { admitSignIn, signInSucceeded } from "./throttle";
import { hashToken, newToken } from "./tokens";

export const LoginSchema = z.object({ username: text().min(1).max(64), password: text().min(1).max(200) }).strict();

const WRONG = "Wrong username or password";

/** `address`: the client's, when known (src/server/auth/client-address.ts), for the per-address backoff. */
export async function login({ input, address }: { input: z.infer<typeof LoginSchema>; address: string | null }) {
  const attempt = await admitSignIn({ username: input.username, address });
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.username, input.username)).limit(1);
  // an unknown username costs the same hash as a known one, so timing does not tell them apart
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok) throw new AppError("unauthorized", WRONG);
  // only someone who knows the password learns that the account is disabled; it still counts as a failure
  if (user.disabledAt) throw new AppError("forbidden", "This account is disabled; ask an admin to enable it");
  await signInSucceeded(attempt);
  if (isLegacyHash(user.passwordHash)) {
    // a bcryptjs hash from an earlier version: replace it now that the password is known (unless an
    // admin reset it meanwhile), so later sign-ins hash off the event loop
    await db
      .update(users)
      .set({ passwordHash: await hashPassword(input.password) })
      .where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)));
  }
  const token = newToken("vd_ses");
  const csrfToken = newToken("vd_ses").slice(7);
  const expiresAt = new Date(Date.now() + env().VERDICT_SESSION_TTL_HOURS * 3600_000);
  await db.insert(sessions).values({ tokenHash: hashToken(token), csrfToken, userId: user.id, expiresAt });
  return { token, csrfToken, expiresAt, user: { username: user.username, role: user.role } };
}

export async function logout({ token }: { token: string | undefined }): Promise<void> {
  if (!token) return;
  const db = await getDb();
  await db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
}
