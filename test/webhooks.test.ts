// Webhooks against the real stores and a real HTTP receiver: CRUD and permissions, the outbox
// (rows stored before sending), HMAC signatures, retries with backoff after a failure, and the
// delivery log. Decision-driven deliveries (the event bus) are covered in test/rollouts-*.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as collection from "@/app/api/v1/webhooks/route";
import * as item from "@/app/api/v1/webhooks/[id]/route";
import * as deliveriesRoute from "@/app/api/v1/webhooks/[id]/deliveries/route";
import { SYSTEM } from "@/server/auth/principal";
import { createApiKey } from "@/server/keys/create";
import { listAudit } from "@/server/audit/list";
import { backoffMs, deliverDueWebhooks } from "@/server/webhooks/deliver";
import { enqueueWebhookEvent } from "@/server/webhooks/outbox";
import type { WebhookEvent } from "@/server/webhooks/schemas";
import { sign, verifySignature } from "@/server/webhooks/sign";
import { publishWebhookEvent, stopWebhookDelivery, startWebhookDelivery } from "@/server/webhooks/start";
import { call, setupStores } from "./helpers/app";
import { startReceiver, type Receiver } from "./helpers/webhook-receiver";

process.env.VERDICT_WEBHOOK_RETRY_BASE_MS = "40";
// the receiver listens on loopback, which webhooks may reach only when allowed (src/server/webhooks/destination.ts)
process.env.VERDICT_WEBHOOK_ALLOWED_HOSTS = "127.0.0.1";
process.env.VERDICT_WEBHOOK_MAX_ATTEMPTS = "3";
process.env.VERDICT_WEBHOOK_TIMEOUT_MS = "2000";

let viewerKey = "";
let receiver: Receiver;

function event(type: WebhookEvent["type"], experimentKey = "realtime-tracking"): WebhookEvent {
  return {
    type,
    experimentKey,
    occurredAt: new Date().toISOString(),
    text: `Verdict: ${type} for ${experimentKey}`,
    data: { recommendation: "rollback", reasons: [{ code: "guardrail_harm", message: "Error rate is worse" }] },
  };
}

beforeAll(async () => {
  await setupStores();
  viewerKey = (await createApiKey({ actor: SYSTEM, input: { name: "viewer", kind: "server", role: "viewer" } })).token;
  receiver = await startReceiver();
});

afterAll(async () => {
  await stopWebhookDelivery();
  await receiver.close();
});

describe("webhook subscribers", () => {
  it("creates a subscriber (secret shown once), lists it without the secret, and audits both", async () => {
    const res = await call(collection.POST, { body: { url: "https://hooks.example.com/a", experimentKey: "checkout" } });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_/);
    expect(res.body).toMatchObject({ url: "https://hooks.example.com/a", experimentKey: "checkout", active: true, events: expect.arrayContaining(["decision.changed", "srm.detected"]) });
    const list = await call(collection.GET);
    const listed = list.body.webhooks.find((w: { id: string }) => w.id === res.body.id);
    expect(listed.secret).toBeUndefined();
    expect(listed.secretPrefix).toBe(res.body.secret.slice(0, 10));
    const audit = await listAudit({ entityType: "webhook", entityKey: res.body.id, limit: 5 });
    expect(audit.entries[0].action).toBe("webhook.created");
    expect(JSON.stringify(audit.entries)).not.toContain(res.body.secret);
    const del = await call(item.DELETE, { params: { id: res.body.id } });
    expect(del.status).toBe(200);
    expect((await call(item.DELETE, { params: { id: res.body.id } })).status).toBe(404);
  });

  it("refuses bad input: a non-http URL, an unknown event, a short secret", async () => {
    const res = await call(collection.POST, { body: { url: "ftp://x", events: ["nope"], secret: "short" } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(["url", "events.0", "secret"]));
  });

  it("lets viewers read the delivery log but not manage subscribers", async () => {
    const created = await call(collection.POST, { body: { url: "https://hooks.example.com/b" } });
    expect((await call(collection.GET, { token: viewerKey })).status).toBe(403);
    expect((await call(collection.POST, { token: viewerKey, body: { url: "https://x.example.com" } })).status).toBe(403);
    expect((await call(item.DELETE, { token: viewerKey, params: { id: created.body.id } })).status).toBe(403);
    const log = await call(deliveriesRoute.GET, { token: viewerKey, params: { id: created.body.id } });
    expect(log.status).toBe(200);
    expect(log.body.deliveries).toEqual([]);
    await call(item.DELETE, { params: { id: created.body.id } });
  });
});

describe("webhook deliveries", () => {
  it("stores one pending delivery per matching subscriber before anything is sent", async () => {
    const global = await call(collection.POST, { body: { url: receiver.url } });
    const other = await call(collection.POST, { body: { url: receiver.url, experimentKey: "another-one" } });
    const srmOnly = await call(collection.POST, { body: { url: receiver.url, events: ["srm.detected"] } });
    expect(await enqueueWebhookEvent(event("experiment.rolled_back"))).toBe(1);
    const log = await call(deliveriesRoute.GET, { params: { id: global.body.id } });
    expect(log.body.deliveries).toHaveLength(1);
    expect(log.body.deliveries[0]).toMatchObject({ event: "experiment.rolled_back", status: "pending", attempts: 0 });
    expect(receiver.received).toHaveLength(0);
    for (const h of [global, other, srmOnly]) await call(item.DELETE, { params: { id: h.body.id } });
  });

  it("signs the raw body with the subscriber's secret and puts the timestamp inside what is signed", async () => {
    const secret = "a-test-secret-of-sufficient-length";
    const hook = await call(collection.POST, { body: { url: receiver.url, secret, events: ["experiment.rolled_back"] } });
    await enqueueWebhookEvent(event("experiment.rolled_back"));
    expect(await deliverDueWebhooks()).toBe(1);
    const [got] = receiver.received.splice(0);
    expect(got.headers["x-verdict-signature"]).toBe(sign(secret, got.raw));
    expect(got.headers["x-verdict-event"]).toBe("experiment.rolled_back");
    expect(got.body).toMatchObject({ event: "experiment.rolled_back", experiment: "realtime-tracking", attempt: 1, text: expect.stringContaining("rolled_back") });
    expect(String(got.body.sentAt)).toBe(got.headers["x-verdict-timestamp"]);
    const headers = { signature: got.headers["x-verdict-signature"] as string, timestamp: got.headers["x-verdict-timestamp"] as string };
    expect(verifySignature(secret, got.raw, headers)).toBe(true);
    // a wrong secret, a tampered body, a replay outside the window, a swapped timestamp header: all refused
    expect(verifySignature("another-secret-of-enough-length", got.raw, headers)).toBe(false);
    expect(verifySignature(secret, got.raw.replace("realtime-tracking", "realtime-trackinG"), headers)).toBe(false);
    expect(verifySignature(secret, got.raw, headers, { now: Date.now() + 10 * 60_000 })).toBe(false);
    expect(verifySignature(secret, got.raw, { ...headers, timestamp: String(Number(headers.timestamp) + 1) })).toBe(false);
    const log = await call(deliveriesRoute.GET, { params: { id: hook.body.id } });
    expect(log.body.deliveries[0]).toMatchObject({ status: "delivered", attempts: 1, lastStatusCode: 200, lastError: null });
    await call(item.DELETE, { params: { id: hook.body.id } });
  });

  it("retries a failed delivery with exponential backoff, then records the success", async () => {
    expect(backoffMs(1, 40)).toBe(40);
    expect(backoffMs(3, 40)).toBe(160);
    const hook = await call(collection.POST, { body: { url: receiver.url, events: ["guardrail.breached"] } });
    receiver.answers = [500, 503];
    startWebhookDelivery(() => () => {});
    await publishWebhookEvent(event("guardrail.breached"));
    const got = await receiver.waitFor((r) => r.length >= 3);
    expect(got.map((r) => r.body.attempt)).toEqual([1, 2, 3]);
    // one delivery, the same id on every attempt (receivers dedupe on it)
    expect(new Set(got.map((r) => r.body.id)).size).toBe(1);
    // the receiver answers before the sender records the outcome: wait for the log to catch up
    const deadline = Date.now() + 20_000;
    let last: { status: string } | undefined;
    while (Date.now() < deadline) {
      last = (await call(deliveriesRoute.GET, { params: { id: hook.body.id } })).body.deliveries[0];
      if (last?.status !== "pending") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(last).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 200 });
    receiver.received.splice(0);
    await call(item.DELETE, { params: { id: hook.body.id } });
  });

  it("gives up after the attempt budget and says why", async () => {
    const gone = await startReceiver();
    await gone.close(); // nothing listens on its port any more
    const hook = await call(collection.POST, { body: { url: gone.url, events: ["srm.detected"] } });
    await publishWebhookEvent(event("srm.detected"));
    const deadline = Date.now() + 20_000;
    let last: { status: string; attempts: number; lastError: string | null } | undefined;
    while (Date.now() < deadline) {
      last = (await call(deliveriesRoute.GET, { params: { id: hook.body.id } })).body.deliveries[0];
      if (last?.status === "failed") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(last).toMatchObject({ status: "failed", attempts: 3 });
    expect(last?.lastError).toMatch(/ECONNREFUSED|refused|fetch failed/i);
    const failed = await call(deliveriesRoute.GET, { token: viewerKey, params: { id: hook.body.id }, path: "/x?status=failed" });
    expect(failed.body.deliveries).toHaveLength(1);
  });
});
