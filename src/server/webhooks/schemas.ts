// The webhook contract: what a subscriber may ask for, validated on every write and listed in the
// OpenAPI document.
import { z } from "zod";
import { slug } from "@/server/experiments/schemas";
import { storable, text } from "@/server/schemas/text";

export const WEBHOOK_EVENTS = ["decision.changed", "experiment.promoted", "experiment.rolled_back", "guardrail.breached", "srm.detected"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const CreateWebhookSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: "must be an http(s):// URL" })
      .max(2000)
      .check(storable),
    /** null or absent: every experiment */
    experimentKey: slug.nullable().default(null),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .default([...WEBHOOK_EVENTS]),
    /** HMAC key for X-Verdict-Signature; generated when absent. Returned once, on creation. */
    secret: text().min(16).max(200).optional(),
  })
  .strict();
export type CreateWebhookInput = z.output<typeof CreateWebhookSchema>;

export const WebhookIdParams = z.object({ id: z.uuid() });

export const ListDeliveriesQuery = z.object({
  status: z.enum(["pending", "delivered", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** What the decision engine (or anyone) hands to the outbox. */
export interface WebhookEvent {
  type: WebhookEventType;
  experimentKey: string;
  /** when it happened (ISO-8601) */
  occurredAt: string;
  /** a sentence for people (Slack's `text`) */
  text: string;
  /** machine-readable details: recommendation, reasons, stage, decision id, ... */
  data: Record<string, unknown>;
}
