import { route } from "@/server/http/route";
import { listDeliveries } from "@/server/webhooks/deliveries";
import { ListDeliveriesQuery, WebhookIdParams } from "@/server/webhooks/schemas";

export const GET = route({ access: "viewer", params: WebhookIdParams, query: ListDeliveriesQuery }, async ({ principal, params, query }) => listDeliveries({ actor: principal, id: params.id, query }));
