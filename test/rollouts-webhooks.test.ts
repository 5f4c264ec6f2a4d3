/* eslint-disable @typescript-eslint/no-explicit-any -- route responses are asserted field by field */
// A canary rolled back by the evaluator notifies a real HTTP receiver (node:http on 127.0.0.1):
// signed `decision.changed` and `experiment.rolled_back` deliveries, the first attempt answered
// with 500 and retried with backoff, every attempt in the delivery log.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as webhooks from "@/app/api/v1/webhooks/route";
import * as deliveries from "@/app/api/v1/webhooks/[id]/deliveries/route";
import { subscribeWebhooksToDecisions } from "@/server/webhooks/decision-events";
import { startWebhookDelivery, stopWebhookDelivery } from "@/server/webhooks/start";
import { call, setupStores } from "./helpers/app";
import { createRunning, rehearse, trace } from "./helpers/rollouts";
import { startReceiver, type Receiver } from "./helpers/webhook-receiver";

process.env.VERDICT_WEBHOOK_RETRY_BASE_MS = "50";
// the receiver listens on loopback, which webhooks may reach only when allowed (src/server/webhooks/destination.ts)
process.env.VERDICT_WEBHOOK_ALLOWED_HOSTS = "127.0.0.1";

const SECRET = "receiver-shared-secret-0123456789";
let receiver: Receiver;

beforeAll(async () => {
  await setupStores();
  receiver = await startReceiver([500]);
  startWebhookDelivery(subscribeWebhooksToDecisions);
});

afterAll(async () => {
  await stopWebhookDelivery();
  await receiver.close();
});

describe("webhooks driven by a rollout", () => {
  it("delivers signed decision.changed and experiment.rolled_back, retrying after a 500", async () => {
    const hook = await call(webhooks.POST, { body: { url: receiver.url, secret: SECRET, experimentKey: "hooked-canary", events: ["decision.changed", "experiment.rolled_back"] } });
    expect(hook.status).toBe(201);
    await createRunning({
      key: "hooked-canary",
      name: "Canary with a webhook",
      strategy: "canary",
      automation: "auto",
      rollout: { stages: [5, 20, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 0 },
    });
    const run = await rehearse({
      experiment: "hooked-canary",
      users: 60_000,
      batchSize: 1000,
      seed: 7,
      userPrefix: "hook-",
      onlyExposed: true,
      effects: { treatment: { errorRate: 2 } },
      until: () => false,
    });
    expect(run.experiment.status, trace(run.decisions)).toBe("rolled_back");

    // two deliveries, plus the retry of whichever came first (the receiver answered it 500)
    const received = await receiver.waitFor(
      (r) =>
        r.some((x) => x.body.event === "experiment.rolled_back") &&
        r.some((x) => x.body.event === "decision.changed" && x.body.data.recommendation === "rollback") &&
        r.some((x) => x.body.id === r[0].body.id && x.body.attempt === 2),
    );
    for (const r of received) {
      // what a receiver does: HMAC-SHA256 of the raw body with the shared secret, then the window
      const expected = `sha256=${createHmac("sha256", SECRET).update(r.raw).digest("hex")}`;
      expect(r.headers["x-verdict-signature"]).toBe(expected);
      expect(Number(r.headers["x-verdict-timestamp"])).toBe(r.body.sentAt);
      expect(Math.abs(Date.now() / 1000 - r.body.sentAt)).toBeLessThan(300);
      expect(r.body.experiment).toBe("hooked-canary");
      expect(r.body.text).toEqual(expect.stringContaining("hooked-canary"));
    }
    // the very first attempt was answered 500 and retried: same delivery id, attempt 2, accepted
    const first = received[0];
    const retry = received.find((r) => r.body.id === first.body.id && r.body.attempt === 2);
    expect(retry, received.map((r) => `${r.body.event}#${r.body.attempt}`).join(", ")).toBeDefined();
    expect(first.body.attempt).toBe(1);

    const rolledBack = received.find((r) => r.body.event === "experiment.rolled_back")!;
    expect(rolledBack.body.data).toMatchObject({ experiment: { key: "hooked-canary", status: "rolled_back", exposure: 0 }, decision: { recommendation: "rollback" } });
    const changed = received.find((r) => r.body.event === "decision.changed" && r.body.data.recommendation === "rollback")!;
    expect((changed.body.data.decision as any).reasons.map((x: any) => x.code)).toContain("guardrail_harm");

    // the receiver has the retry before the sender has recorded its 200: poll the log for that
    const log = async () => (await call(deliveries.GET, { params: { id: hook.body.id } })).body.deliveries as any[];
    await expect.poll(async () => (await log()).every((d) => d.status === "delivered"), { timeout: 10_000 }).toBe(true);
    const byId = Object.fromEntries((await log()).map((d) => [d.id, d]));
    expect(byId[first.body.id]).toMatchObject({ status: "delivered", attempts: 2, lastStatusCode: 200 });
  });
});
