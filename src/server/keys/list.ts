import { desc } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { apiKeys } from "@/db/schema";

export async function listApiKeys() {
  const db = await getDb();
  const rows = await db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
  return rows.map(({ tokenHash: _tokenHash, ...k }) => k);
}
