import bcrypt from "bcryptjs";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/postgres";
import { sessions, users } from "@/db/schema";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { hashToken, newToken } from "./tokens";

export const LoginSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict();

// Compared against when the user does not exist, so timing does not reveal which usernames exist.
const DUMMY_HASH = bcrypt.hashSync("verdict-dummy-password", 10);

export async function login({ input }: { input: z.infer<typeof LoginSchema> }) {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.username, input.username)).limit(1);
  const ok = await bcrypt.compare(input.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) throw new AppError("unauthorized", "Wrong username or password");
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
