import { asc } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { users } from "@/db/schema";

export async function listUsers() {
  const db = await getDb();
  return db.select({ id: users.id, username: users.username, role: users.role, createdAt: users.createdAt, disabledAt: users.disabledAt }).from(users).orderBy(asc(users.username));
}
