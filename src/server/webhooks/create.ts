import { randomBytes } from "node:crypto";
import { getDb } from "@/db/postgres";
import { webhooks } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import type { CreateWebhookInput } from "./schemas";
import { toWebhook } from "./list";

/** The secret is returned once, here; listings show only its first characters. */
export async function createWebhook({ actor, input }: { actor: Principal; input: CreateWebhookInput }) {
  const secret = input.secret ?? `whsec_${randomBytes(24).toString("base64url")}`;
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(webhooks).values({ url: input.url, secret, experimentKey: input.experimentKey, events: input.events }).returning();
    const hook = toWebhook(row);
    await recordAudit(tx, actor, { action: "webhook.created", entityType: "webhook", entityKey: row.id, after: hook });
    return { ...hook, secret };
  });
}
