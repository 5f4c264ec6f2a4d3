// Cross-experiment feeds: decisions and webhooks, from src/server/decisions once it lands.
import type { DecisionView } from "../experiment/view";

export type FeedDecision = DecisionView & { experimentKey: string };

export async function loadDecisionFeed(): Promise<FeedDecision[]> {
  return [];
}

export interface WebhookView {
  id: string;
  url: string;
  experimentKey: string | null;
  events: string[];
  active: boolean;
}
export interface DeliveryView {
  id: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
}

export async function loadWebhooks(): Promise<{ subscriptions: WebhookView[]; deliveries: DeliveryView[] }> {
  return { subscriptions: [], deliveries: [] };
}
