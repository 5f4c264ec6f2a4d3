import { randomBytes } from "node:crypto";
import { getDb } from "@/db/postgres";
import { webhooks } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/core/errors";
import { destinationRefusal } from "./destination";
import type { CreateWebhookInput } from "./schemas";
import { toWebhook } from "./list";

/** The secret is returned once, here; listings show only its first characters. */
export async function createWebhook({ actor, input }: { actor: Principal; input: CreateWebhookInput }) {
  // checked again on every attempt (deliver.ts): a name can change its answer after this
  const refused = await destinationRefusal(input.url);
  if (refused) throw new AppError("validation_failed", "Invalid webhook: url", [{ path: "url", message: refused, code: "destination_refused" }]);
  const secret = input.secret ?? `whsec_${randomBytes(24).toString("base64url")}`;
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(webhooks).values({ url: input.url, secret, experimentKey: input.experimentKey, events: input.events }).returning();
    const hook = toWebhook(row);
    await recordAudit(tx, actor, { action: "webhook.created", entityType: "webhook", entityKey: row.id, after: hook });
    return { ...hook, secret };
  });
}
