/** VerdictClient against a real HTTP server (node:http on an ephemeral port), no mocks of fetch. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VerdictClient, type VerdictClientOptions } from "@/sdk/client";
import { evaluateAll } from "@/sdk/evaluate";
import { makeExperiment, makeSnapshot } from "../../helpers/sdk/fixtures";
import { FakeVerdictServer } from "../../helpers/sdk/fake-server";

let server: FakeVerdictServer;
const clients: VerdictClient[] = [];
const fastRetry = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 };
function client(options: Partial<VerdictClientOptions> = {}) {
  const c = new VerdictClient({ baseUrl: server.url, clientKey: "ck_test", refreshIntervalMs: 0, flushIntervalMs: 0, retry: fastRetry, ...options });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  server = new FakeVerdictServer();
  await server.start();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.stop();
  vi.unstubAllGlobals();
});

describe("snapshot", () => {
  it("fetches with the client key and honours ETag / 304", async () => {
    const c = client();
    await c.init();
    const first = c.snapshot;
    expect(first?.experiments.map((e) => e.key)).toEqual(["checkout", "canary"]);
    await c.refresh();
    expect(c.snapshot).toBe(first); // 304: same object, nothing recompiled
    expect(server.configRequests).toEqual([
      { authorization: "Bearer ck_test", ifNoneMatch: undefined },
      { authorization: "Bearer ck_test", ifNoneMatch: '"v1"' },
    ]);
    expect(c.stats.snapshotNotModified).toBe(1);
    server.snapshot = makeSnapshot([makeExperiment({ key: "checkout", status: "rolled_back" })]);
    server.etag = '"v2"';
    await c.refresh();
    expect(c.getAssignment("checkout", { userId: "u1" })).toMatchObject({ variant: "control", exposed: false });
  });

  it("refreshes periodically and stops on close()", async () => {
    const c = client({ refreshIntervalMs: 20, streaming: false });
    await c.init();
    await vi.waitFor(() => expect(server.configRequests.length).toBeGreaterThanOrEqual(3));
    await c.close();
    const seen = server.configRequests.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(server.configRequests.length).toBe(seen);
  });

  it("evaluates exactly like the server-side evaluator", async () => {
    const c = client();
    await c.init();
    for (let i = 0; i < 1000; i++) {
      const unit = { userId: `user-${i}` };
      expect(c.getAssignments(unit)).toEqual(evaluateAll(server.snapshot, unit));
    }
    expect(c.getVariant("unknown", { userId: "u1" })).toBeNull();
  });

  it("keeps the old snapshot and rejects when a refresh fails", async () => {
    const c = client();
    await c.init();
    await server.stop();
    await expect(c.refresh()).rejects.toThrow();
    expect(c.getVariant("checkout", { userId: "u1" })).not.toBeNull();
    await server.start(); // so afterEach can stop it
  });
});

describe("exposures", () => {
  it("carry the unit's attributes (with the client's defaults) as properties, for segment breakdowns", async () => {
    const c = client({ attributes: { appVersion: "4.2.0" } });
    await c.init();
    c.getVariant("checkout", { userId: "seg-1", attributes: { platform: "android", beta: true } });
    c.getVariant("checkout", { userId: "seg-2" });
    await c.flush();
    const of = (u: string) => server.events.find((e) => e.experiment === "checkout" && e.userId === u);
    expect(of("seg-1")?.properties).toEqual({ appVersion: "4.2.0", platform: "android", beta: true });
    expect(of("seg-2")?.properties).toEqual({ appVersion: "4.2.0" });
  });

  it("logs each exposure once per (unit, experiment, variant), and nothing for unexposed units", async () => {
    const c = client();
    await c.init();
    for (let k = 0; k < 5; k++) c.getVariant("checkout", { userId: "u1" });
    const variant = c.getVariant("checkout", { userId: "u1" });
    c.getVariant("checkout", {}); // no unit id: not exposed
    const outside = Array.from({ length: 200 }, (_, i) => `user-${i}`).find((id) => c.getAssignment("canary", { userId: id })?.exposed === false);
    expect(outside).toBeDefined();
    await c.flush();
    const exposures = server.events.filter((e) => e.experiment === "checkout" && e.userId === "u1");
    expect(exposures).toHaveLength(1);
    expect(exposures[0]).toMatchObject({ type: "exposure", userId: "u1", experiment: "checkout", variant });
    expect(exposures[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(exposures[0].timestamp as string))).toBe(false);
    expect(server.events.some((e) => e.userId === outside && e.experiment === "canary")).toBe(false);

    // The same unit seeing another variant (e.g. after a blue/green switch) is a new exposure,
    // which is what the "multiple exposures" data-quality check needs to see.
    const other = variant === "control" ? "treatment" : "control";
    const switched = makeExperiment({
      key: "checkout",
      strategy: "blue_green",
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
      live: other,
    });
    server.snapshot = makeSnapshot([switched]);
    server.etag = '"v3"';
    await c.refresh();
    c.getVariant("checkout", { userId: "u1" });
    c.getVariant("checkout", { userId: "u1" });
    await c.flush();
    expect(server.events.filter((e) => e.experiment === "checkout" && e.userId === "u1").map((e) => e.variant)).toEqual([variant, other]);
  });

  it("uses the experiment's hash attribute as the event's userId (instanceId for rolling)", async () => {
    const c = client({ snapshot: makeSnapshot([makeExperiment({ key: "deploy", strategy: "rolling", exposure: 0.5 })]) });
    c.getAssignments({ instanceId: "web-7", userId: "ignored" });
    await c.flush();
    expect(server.events).toMatchObject([{ type: "exposure", userId: "web-7", experiment: "deploy" }]);
  });
});

describe("event delivery", () => {
  it("batches at most 1000 events per request and fills in ids and timestamps", async () => {
    const c = client();
    for (let i = 0; i < 2500; i++) c.track({ type: "page_load", userId: `u${i}`, value: i });
    c.track({ id: "my-id", type: "metric", name: "orders", userId: "u1", value: 2, timestamp: 1767225600000 });
    await c.flush();
    expect(server.eventRequests.map((r) => r.events.length)).toEqual([1000, 1000, 501]);
    expect(server.eventRequests.every((r) => r.authorization === "Bearer ck_test")).toBe(true);
    const ids = new Set(server.events.map((e) => e.id));
    expect(ids.size).toBe(2501);
    expect(server.events.at(-1)).toEqual({ id: "my-id", type: "metric", name: "orders", userId: "u1", value: 2, timestamp: 1767225600000 });
    expect(c.stats).toMatchObject({ accepted: 2501, queued: 0, failed: 0 });
  });

  it("retries network errors, 5xx and 429 with backoff, delivering each event once", async () => {
    server.eventReplies = ["drop-connection", { status: 503 }, { status: 429, headers: { "retry-after": "0" } }];
    const c = client();
    c.track({ type: "request", userId: "u1" });
    await c.flush();
    expect(server.events).toHaveLength(1);
    expect(c.stats).toMatchObject({ accepted: 1, failed: 0 });
  });

  it("honours Retry-After", async () => {
    server.eventReplies = [{ status: 429, headers: { "retry-after": "1" } }];
    const c = client();
    c.track({ type: "request", userId: "u1" });
    const started = Date.now();
    await c.flush();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.events).toHaveLength(1);
  });

  it("keeps a batch queued after maxRetries of 503 and delivers it once the server recovers", async () => {
    server.eventReplies = Array.from({ length: 4 }, () => ({ status: 503, headers: { "retry-after": "0" } }));
    const errors: Error[] = [];
    const c = client({ onError: (e) => errors.push(e) });
    c.track({ type: "request", userId: "u1" });
    c.track({ type: "request", userId: "u2" });
    await c.flush();
    expect(c.stats).toMatchObject({ failed: 0, accepted: 0, queued: 2, dropped: 0 });
    expect(errors[0].message).toMatch(/not delivered after 4 attempt.*kept/);
    expect(server.eventReplies).toHaveLength(0);
    await c.flush();
    expect(c.stats).toMatchObject({ failed: 0, accepted: 2, queued: 0 });
    expect(server.events.map((e) => (e as { userId: string }).userId)).toEqual(["u1", "u2"]);
  });

  it("keeps the queue bounded while the server refuses, counting what it drops", async () => {
    server.eventReplies = Array.from({ length: 4 }, () => ({ status: 429, headers: { "retry-after": "0" } }));
    const c = client({ maxQueueSize: 3 });
    for (let i = 0; i < 3; i++) c.track({ type: "request", userId: `u${i}` });
    await c.flush();
    for (let i = 3; i < 5; i++) c.track({ type: "request", userId: `u${i}` });
    expect(c.stats).toMatchObject({ queued: 3, dropped: 2, failed: 0 });
    await c.flush();
    expect(server.events.map((e) => (e as { userId: string }).userId)).toEqual(["u2", "u3", "u4"]);
  });

  it("gives up after maxRetries when closing and counts the events as failed", async () => {
    server.eventReplies = Array.from({ length: 4 }, () => ({ status: 500 }));
    const errors: Error[] = [];
    const c = client({ onError: (e) => errors.push(e) });
    c.track({ type: "request", userId: "u1" });
    await c.close();
    expect(c.stats).toMatchObject({ failed: 1, accepted: 0, queued: 0 });
    expect(errors[0].message).toMatch(/failed after 4 attempt/);
    expect(server.eventReplies).toHaveLength(0);
  });

  it("does not retry refused batches (4xx) or individually rejected events", async () => {
    server.eventReplies = [
      { status: 400, body: { error: "not the envelope" } },
      { status: 200, body: { accepted: 1, rejected: [{ index: 1, code: "invalid_value", message: "value must be 1-5" }] } },
    ];
    const c = client();
    c.track({ type: "request", userId: "u1" });
    await c.flush();
    c.track({ type: "request", userId: "u1" });
    c.track({ type: "feedback", userId: "u1", value: 9 });
    await c.flush();
    expect(c.stats).toMatchObject({ rejected: 2, accepted: 1, failed: 0 });
    expect(server.eventRequests).toHaveLength(1); // the 200 one; nothing was sent again
  });

  it("bounds the queue, dropping the oldest events and counting them", async () => {
    const c = client({ maxQueueSize: 10 });
    for (let i = 0; i < 25; i++) c.track({ type: "request", userId: `u${i}` });
    expect(c.stats).toMatchObject({ queued: 10, dropped: 15 });
    await c.flush();
    expect(server.events.map((e) => e.userId)).toEqual(Array.from({ length: 10 }, (_, i) => `u${i + 15}`));
  });

  it("flushes in the background and on close()", async () => {
    const background = client({ flushIntervalMs: 20 });
    await background.init();
    background.track({ type: "engagement", userId: "u1" });
    await vi.waitFor(() => expect(server.events).toHaveLength(1));
    const c = client();
    c.track({ type: "error", userId: "u2", properties: { code: "TIMEOUT" } });
    await c.close();
    expect(server.events.at(-1)).toMatchObject({ type: "error", userId: "u2", properties: { code: "TIMEOUT" } });
  });

  it("ships the queue with sendBeacon (?key=) when the page is hidden", async () => {
    const windowLike = new EventTarget();
    const documentLike = Object.assign(new EventTarget(), { visibilityState: "visible" });
    const beacons: { url: string; body: string }[] = [];
    vi.stubGlobal("document", documentLike);
    vi.stubGlobal("addEventListener", windowLike.addEventListener.bind(windowLike));
    vi.stubGlobal("removeEventListener", windowLike.removeEventListener.bind(windowLike));
    vi.stubGlobal("navigator", { sendBeacon: (url: string, body: string) => (beacons.push({ url, body }), true) });
    const c = client();
    await c.init();
    c.track({ type: "page_load", userId: "u1", value: 812 });
    documentLike.visibilityState = "hidden";
    documentLike.dispatchEvent(new Event("visibilitychange"));
    expect(beacons).toHaveLength(1);
    expect(beacons[0].url).toBe(`${server.url}/api/v1/events?key=ck_test`);
    expect(JSON.parse(beacons[0].body).events).toMatchObject([{ type: "page_load", userId: "u1", value: 812 }]);
    c.track({ type: "engagement", userId: "u1" });
    windowLike.dispatchEvent(new Event("pagehide"));
    expect(beacons).toHaveLength(2);
    expect(c.stats.queued).toBe(0);
  });
});
