// Cross-experiment feeds for the dashboard: recent decisions of every experiment, and webhooks with
// their deliveries.
import { listDecisions } from "@/server/decisions/record";
import type { Principal } from "@/server/auth/principal";
import { listDeliveries } from "@/server/webhooks/deliveries";
import { toDecisionView } from "./experiment-data";
import { listWebhooks } from "@/server/webhooks/list";
import type { DecisionView } from "./view";

export type FeedDecision = DecisionView & { experimentKey: string };

export async function loadDecisionFeed(opts: { experiment?: string; recommendation?: string } = {}): Promise<FeedDecision[]> {
  const { decisions } = await listDecisions({ experiment: opts.experiment, limit: 200 });
  return decisions.filter((d) => !opts.recommendation || d.recommendation === opts.recommendation).map((d) => ({ ...toDecisionView(d), experimentKey: d.experiment }));
}

export interface WebhookView {
  id: string;
  /** null for non-admins: a Slack incoming-webhook URL is itself a credential */
  url: string | null;
  experimentKey: string | null;
  events: string[];
  active: boolean;
  secretPrefix: string | null;
}
export interface DeliveryView {
  id: string;
  webhookId: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
}

/** Non-admins get status codes only: delivery error texts are redacted by listDeliveries. */
export async function loadWebhooks(user: Principal): Promise<{ subscriptions: WebhookView[]; deliveries: DeliveryView[] }> {
  const admin = user.role === "admin";
  const hooks = await listWebhooks();
  const subscriptions = hooks.map((h) => ({ id: h.id, url: admin ? h.url : null, experimentKey: h.experimentKey, events: h.events, active: h.active, secretPrefix: admin ? h.secretPrefix : null }));
  const logs = await Promise.all(hooks.slice(0, 20).map(async (h) => (await listDeliveries({ actor: user, id: h.id, query: { limit: 50 } })).deliveries.map((d) => ({ ...d, webhookId: h.id }))));
  const deliveries = logs
    .flat()
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, 100)
    .map((d) => ({
      id: d.id,
      webhookId: d.webhookId,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      createdAt: d.createdAt,
      nextAttemptAt: d.nextAttemptAt,
    }));
  return { subscriptions, deliveries };
}
