// The delivery loop: claims due deliveries (FOR UPDATE SKIP LOCKED, so several app instances never
// send the same one twice at once), POSTs each signed, and records the outcome. A failure (non-2xx,
// network error, timeout, a destination refused by destination.ts) is retried after
// base * 2^(attempts-1) until the attempt budget is spent.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { and, asc, eq, inArray, lte, min } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { webhookDeliveries, webhooks } from "@/db/schema";
import { env } from "@/core/env";
import { guardedLookup, resolveAllowed, socketHost } from "./destination";
import { DELIVERY_HEADER, EVENT_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./sign";

const CLAIM_BATCH = 20;
const MAX_BACKOFF_MS = 60 * 60 * 1000;
const USER_AGENT = "Verdict-Webhooks/1";

type Delivery = typeof webhookDeliveries.$inferSelect;
type Hook = typeof webhooks.$inferSelect;

export function backoffMs(attempts: number, baseMs = env().VERDICT_WEBHOOK_RETRY_BASE_MS): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** The exact bytes sent: built per attempt so `sentAt` (signed) is the time of this attempt. */
export function deliveryBody(d: Pick<Delivery, "id" | "event" | "payload">, attempt: number, sentAt: number): string {
  const p = d.payload as { experiment: string; occurredAt: string; text: string; data: unknown };
  return JSON.stringify({ id: d.id, event: d.event, experiment: p.experiment, occurredAt: p.occurredAt, sentAt, attempt, text: p.text, data: p.data });
}

async function claimDue(): Promise<{ delivery: Delivery; hook: Hook }[]> {
  const db = await getDb();
  const now = new Date();
  // leased past the timeout: if this process dies mid-attempt, another picks the row up afterwards
  const lease = new Date(now.getTime() + env().VERDICT_WEBHOOK_TIMEOUT_MS + 5_000);
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(CLAIM_BATCH)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    const ids = due.map((d) => d.id);
    await tx.update(webhookDeliveries).set({ nextAttemptAt: lease }).where(inArray(webhookDeliveries.id, ids));
    const rows = await tx.select().from(webhookDeliveries).innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId)).where(inArray(webhookDeliveries.id, ids));
    return rows.map((r) => ({ delivery: r.webhook_deliveries, hook: r.webhooks }));
  });
}

/**
 * One POST over node:http(s), not fetch: the socket's resolver is guardedLookup, so it connects
 * only to an address checked for this attempt (an IP-literal URL is checked first, as sockets skip
 * the lookup for those). No agent: a kept-alive socket would skip the check. Redirects are never
 * followed (a 3xx is a failed attempt), so a receiver cannot bounce the POST to an internal address.
 */
function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const signal = AbortSignal.timeout(timeoutMs);
    const req = send(url, { method: "POST", agent: false, lookup: guardedLookup as LookupFunction, signal, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy(); // the answer's body is never read: only its status is kept
    });
    req.on("error", (e) => reject(signal.aborted ? new TimeoutError() : e));
    req.end(body);
  });
}

class TimeoutError extends Error {
  name = "TimeoutError";
}

async function attempt(delivery: Delivery, hook: Hook): Promise<void> {
  const { VERDICT_WEBHOOK_TIMEOUT_MS, VERDICT_WEBHOOK_MAX_ATTEMPTS } = env();
  const attempts = delivery.attempts + 1;
  const sentAt = Math.floor(Date.now() / 1000);
  const body = deliveryBody(delivery, attempts, sentAt);
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const url = new URL(hook.url);
    if (isIP(socketHost(url)) !== 0) await resolveAllowed(socketHost(url));
    statusCode = await post(
      url,
      body,
      {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        [EVENT_HEADER]: delivery.event,
        [DELIVERY_HEADER]: delivery.id,
        [TIMESTAMP_HEADER]: String(sentAt),
        [SIGNATURE_HEADER]: sign(hook.secret, body),
      },
      VERDICT_WEBHOOK_TIMEOUT_MS,
    );
    if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
  } catch (e) {
    error = (e as Error).name === "TimeoutError" ? `timed out after ${VERDICT_WEBHOOK_TIMEOUT_MS} ms` : (e as Error).message;
  }
  const db = await getDb();
  const done = error === null;
  const givingUp = !done && attempts >= VERDICT_WEBHOOK_MAX_ATTEMPTS;
  await db
    .update(webhookDeliveries)
    .set({
      attempts,
      lastStatusCode: statusCode,
      lastError: error,
      status: done ? "delivered" : givingUp ? "failed" : "pending",
      deliveredAt: done ? new Date() : null,
      nextAttemptAt: new Date(Date.now() + (done || givingUp ? 0 : backoffMs(attempts))),
    })
    .where(eq(webhookDeliveries.id, delivery.id));
}

/** Sends everything due now; returns how many attempts were made. */
export async function deliverDueWebhooks(): Promise<number> {
  let made = 0;
  for (;;) {
    const batch = await claimDue();
    if (batch.length === 0) return made;
    await Promise.all(batch.map(({ delivery, hook }) => attempt(delivery, hook)));
    made += batch.length;
  }
}

/** When the next pending delivery falls due (null when none is pending). */
export async function nextDueAt(): Promise<Date | null> {
  const db = await getDb();
  const [row] = await db
    .select({ at: min(webhookDeliveries.nextAttemptAt) })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.status, "pending"));
  return row?.at ? new Date(row.at) : null;
}
