import { auditLog } from "@/db/schema";
import type { Db } from "@/db/postgres";
import type { Principal } from "@/server/auth/principal";

export interface AuditEntry {
  action: string;
  entityType: string;
  entityKey: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  decisionId?: string | null;
  /** when it happened; default now (the demo seed replays past days with their own times) */
  at?: Date;
}

type Tx = Pick<Db, "insert">;

/** Every change writes one entry: who, when, what, before and after. Call inside the change's transaction. */
export async function recordAudit(tx: Tx, actor: Principal, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    actor: actor.name,
    actorKind: actor.kind,
    action: entry.action,
    entityType: entry.entityType,
    entityKey: entry.entityKey,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason ?? null,
    decisionId: entry.decisionId ?? null,
    ...(entry.at ? { at: entry.at } : {}),
  });
}
