// Bridges the decision engine's in-process events to the outbox. The payload carries the
// experiment's identity and state after the event and a summary of the decision behind it (the full
// evidence stays behind GET /api/v1/experiments/{key}/decision, which the receiver can fetch).
import { onDecisionEvent, type DecisionEvent } from "@/server/decisions/events";
import type { WebhookEvent } from "./schemas";

export function toWebhookEvent(e: DecisionEvent): WebhookEvent {
  const x = e.experiment;
  return {
    type: e.type,
    experimentKey: x.key,
    occurredAt: e.occurredAt,
    text: e.text,
    data: {
      ...e.data,
      experiment: { key: x.key, name: x.name, strategy: x.strategy, status: x.status, automation: x.automation, exposure: x.state.exposure, live: x.state.live, enabled: x.state.enabled },
      decision: e.decision
        ? {
            id: e.decision.id,
            recommendation: e.decision.recommendation,
            reasons: e.decision.reasons.map((r) => ({ code: r.code, message: r.message, metric: r.metric, variant: r.variant })),
            stage: e.decision.stage,
            evaluatedAt: e.decision.evaluatedAt,
            action: e.decision.action,
          }
        : null,
    },
  };
}

/** For startWebhookDelivery: every decision event becomes a webhook event. */
export function subscribeWebhooksToDecisions(publish: (e: WebhookEvent) => Promise<void>): () => void {
  return onDecisionEvent((e) => publish(toWebhookEvent(e)));
}
