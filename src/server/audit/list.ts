import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/postgres";
import { auditLog } from "@/db/schema";
import { text } from "@/server/schemas/text";

export const ListAuditQuery = z.object({
  entityType: text().max(50).optional(),
  entityKey: text().max(100).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export async function listAudit(input: z.infer<typeof ListAuditQuery>) {
  const db = await getDb();
  const where: SQL[] = [];
  if (input.entityType) where.push(eq(auditLog.entityType, input.entityType));
  if (input.entityKey) where.push(eq(auditLog.entityKey, input.entityKey));
  if (input.before) where.push(lt(auditLog.id, input.before));
  const rows = await db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(input.limit);
  return { entries: rows, nextBefore: rows.length === input.limit ? rows[rows.length - 1].id : null };
}
