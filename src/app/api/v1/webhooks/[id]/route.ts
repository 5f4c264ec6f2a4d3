import { route } from "@/server/http/route";
import { deleteWebhook } from "@/server/webhooks/delete";
import { WebhookIdParams } from "@/server/webhooks/schemas";

export const DELETE = route({ access: "admin", params: WebhookIdParams }, async ({ principal, params }) => deleteWebhook({ actor: principal, id: params.id }));
