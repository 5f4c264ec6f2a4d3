import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";
import { createWebhook } from "@/server/webhooks/create";
import { listWebhooks } from "@/server/webhooks/list";
import { CreateWebhookSchema } from "@/server/webhooks/schemas";

// Admin only, reads included: a Slack incoming-webhook URL is itself a credential.
export const GET = route({ access: "admin" }, async () => ({ webhooks: await listWebhooks() }));

export const POST = route({ access: "admin", body: CreateWebhookSchema }, async ({ principal, body }) => json(await createWebhook({ actor: principal, input: body }), 201));
