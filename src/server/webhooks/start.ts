// Runs the delivery loop in the server process: a pass right after each new event, then a timer
// set for the next retry that falls due (at most POLL_MS away, so rows written by another app
// instance or left by a crashed process are picked up too).
import { processSingleton } from "@/core/process-singleton";
import { deliverDueWebhooks, nextDueAt } from "./deliver";
import { enqueueWebhookEvent } from "./outbox";
import type { WebhookEvent } from "./schemas";

const POLL_MS = 5_000;
const MIN_DELAY_MS = 10;

interface Loop {
  running?: Promise<void>;
  again: boolean;
  timer?: NodeJS.Timeout;
  started: boolean;
  unsubscribe?: () => void;
}
// One loop per process even if the bundler duplicates this module.
const loop = processSingleton<Loop>("webhooks.loop", () => ({ again: false, started: false }));

async function pass(): Promise<void> {
  do {
    loop.again = false;
    await deliverDueWebhooks();
  } while (loop.again);
  if (!loop.started) return;
  const next = await nextDueAt();
  const delay = next ? Math.min(POLL_MS, Math.max(MIN_DELAY_MS, next.getTime() - Date.now())) : POLL_MS;
  clearTimeout(loop.timer);
  loop.timer = setTimeout(kickWebhookDelivery, delay);
  loop.timer.unref();
}

/** Runs a delivery pass now (or right after the running one). */
export function kickWebhookDelivery(): void {
  if (loop.running) {
    loop.again = true;
    return;
  }
  loop.running = pass()
    .catch((e) => console.error(`[verdict] webhook delivery failed: ${(e as Error).message}`))
    .finally(() => (loop.running = undefined));
}

/** Outbox first, then an immediate delivery pass. Never throws: a decision must not fail on its webhooks. */
export async function publishWebhookEvent(event: WebhookEvent): Promise<void> {
  try {
    if ((await enqueueWebhookEvent(event)) > 0) kickWebhookDelivery();
  } catch (e) {
    console.error(`[verdict] webhook event ${event.type} for '${event.experimentKey}' not stored: ${(e as Error).message}`);
  }
}

/** Server start: subscribe to decision events and deliver what is pending from before. */
export function startWebhookDelivery(subscribe: (publish: (e: WebhookEvent) => Promise<void>) => () => void): void {
  if (loop.started) return;
  loop.started = true;
  loop.unsubscribe = subscribe(publishWebhookEvent);
  kickWebhookDelivery();
}

/** Tests: stop the timer and the subscription; waits for a running pass. */
export async function stopWebhookDelivery(): Promise<void> {
  loop.started = false;
  clearTimeout(loop.timer);
  loop.unsubscribe?.();
  loop.unsubscribe = undefined;
  await loop.running;
}
