// Issue 12, item 8: webhooks as SSRF. A subscriber URL may not reach loopback, private, link-local,
// unique-local, CGNAT, multicast or unspecified addresses (in any spelling), neither at creation nor
// at delivery (after DNS, pinned to the checked address), redirects are not followed, and viewers
// read status codes only. The allow-list (VERDICT_WEBHOOK_ALLOWED_HOSTS) admits on-premise receivers.
import { createServer } from "node:http";
import { networkInterfaces } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as collection from "@/app/api/v1/webhooks/route";
import * as item from "@/app/api/v1/webhooks/[id]/route";
import * as deliveriesRoute from "@/app/api/v1/webhooks/[id]/deliveries/route";
import { loadWebhooks } from "@/server/dashboard/feeds";
import { createApiKey } from "@/server/keys/create";
import { SYSTEM, type Principal } from "@/server/auth/principal";
import { resetEnvForTests } from "@/core/env";
import { deliverDueWebhooks } from "@/server/webhooks/deliver";
import { REDACTED_ERROR } from "@/server/webhooks/deliveries";
import { addressRefusal, setResolverForTests } from "@/server/webhooks/destination";
import { enqueueWebhookEvent } from "@/server/webhooks/outbox";
import { call, setupStores } from "./helpers/app";
import { startReceiver, type Receiver } from "./helpers/webhook-receiver";

process.env.VERDICT_WEBHOOK_MAX_ATTEMPTS = "1";
process.env.VERDICT_WEBHOOK_TIMEOUT_MS = "2000";

let viewerKey = "";
let receiver: Receiver;
let port = 0;

function allow(list: string): void {
  process.env.VERDICT_WEBHOOK_ALLOWED_HOSTS = list;
  resetEnvForTests();
}

async function create(url: string, experimentKey: string | null = null) {
  return call(collection.POST, { body: { url, experimentKey, events: ["experiment.rolled_back"] } });
}

/** Enqueues one event for `experimentKey`, runs the delivery loop once, returns the log entry as admin and as viewer. */
async function deliverOnce(hookId: string, experimentKey: string) {
  await enqueueWebhookEvent({ type: "experiment.rolled_back", experimentKey, occurredAt: new Date().toISOString(), text: "t", data: {} });
  await deliverDueWebhooks();
  const admin = (await call(deliveriesRoute.GET, { params: { id: hookId } })).body.deliveries[0];
  const viewer = await call(deliveriesRoute.GET, { token: viewerKey, params: { id: hookId } });
  return { admin, viewer: viewer.body.deliveries[0], viewerRaw: JSON.stringify(viewer.body) };
}

beforeAll(async () => {
  allow("");
  await setupStores();
  viewerKey = (await createApiKey({ actor: SYSTEM, input: { name: "viewer", kind: "server", role: "viewer" } })).token;
  receiver = await startReceiver();
  port = Number(new URL(receiver.url).port);
});

afterEach(() => {
  setResolverForTests(null);
  allow("");
  receiver.received.splice(0);
});

afterAll(async () => {
  await receiver.close();
});

describe("webhook destinations at creation", () => {
  it.each([
    ["loopback", () => `http://127.0.0.1:${port}/hook`],
    ["loopback, other address of 127/8", () => "http://127.42.0.1/"],
    ["IPv6 loopback", () => `http://[::1]:${port}/hook`],
    ["decimal IPv4 (2130706433 = 127.0.0.1)", () => "http://2130706433/"],
    ["hex IPv4", () => "http://0x7f000001/"],
    ["octal IPv4", () => "http://0177.0.0.1/"],
    ["short IPv4 (127.1)", () => "http://127.1/"],
    ["cloud metadata (link-local)", () => "http://169.254.169.254/latest/meta-data/"],
    ["private 10/8", () => "http://10.1.2.3/"],
    ["private 172.16/12", () => "https://172.31.255.254/"],
    ["private 192.168/16", () => "http://192.168.0.10:8080/"],
    ["CGNAT 100.64/10", () => "http://100.64.1.1/"],
    ["unspecified 0.0.0.0", () => `http://0.0.0.0:${port}/`],
    ["multicast", () => "http://224.0.0.251/"],
    ["IPv6 unspecified", () => "http://[::]/"],
    ["IPv6 link-local", () => "http://[fe80::1]/"],
    ["IPv6 unique-local", () => "http://[fd00:ec2::254]/"],
    ["IPv6 multicast", () => "http://[ff02::1]/"],
    ["IPv4-mapped IPv6 loopback", () => `http://[::ffff:127.0.0.1]:${port}/`],
    ["IPv4-mapped IPv6 metadata (hex)", () => "http://[::ffff:a9fe:a9fe]/"],
    ["IPv4-compatible IPv6", () => "http://[::127.0.0.1]/"],
    ["NAT64 of loopback", () => "http://[64:ff9b::7f00:1]/"],
    ["a name that resolves to loopback", () => `http://localhost:${port}/hook`],
    ["the same, upper case", () => `http://LOCALHOST:${port}/hook`],
  ])("refuses %s with 400 naming url", async (_what, url) => {
    const res = await create(url());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: "url", code: "destination_refused", message: expect.stringMatching(/^destination refused: .* address/) })]);
  });

  it("refuses a name with any bad address among several, and accepts public ones", async () => {
    setResolverForTests(async (host) =>
      host === "mixed.test"
        ? [
            { address: "93.184.215.14", family: 4 },
            { address: "10.0.0.7", family: 4 },
          ]
        : [{ address: "93.184.215.14", family: 4 }],
    );
    const mixed = await create("https://mixed.test/hook");
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.details[0].message).toBe("destination refused: mixed.test resolves to 10.0.0.7, a private address");
    for (const url of ["https://public.test/hook", "http://93.184.215.14/hook", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/"]) {
      const ok = await create(url);
      expect(ok.status, url).toBe(201);
      await call(item.DELETE, { params: { id: ok.body.id } });
    }
  });

  it("refuses this server's own interface addresses", () => {
    const own = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
    expect(own.length).toBeGreaterThan(0);
    for (const i of own) expect(addressRefusal(i.address), i.address).not.toBeNull();
  });

  it("admits what the allow-list names: an address, a CIDR range, a host name", async () => {
    for (const [list, url] of [
      ["127.0.0.1", `http://127.0.0.1:${port}/hook`],
      ["10.0.0.0/8", "http://10.20.30.40/"],
      ["::1", `http://[::1]:${port}/`],
      ["localhost", `http://localhost:${port}/hook`],
    ]) {
      allow(list);
      const res = await create(url);
      expect(res.status, `${list} ${url}`).toBe(201);
      await call(item.DELETE, { params: { id: res.body.id } });
    }
    allow("10.0.0.0/8");
    expect((await create(`http://127.0.0.1:${port}/hook`)).status).toBe(400);
  });
});

describe("webhook destinations at delivery", () => {
  it("refuses an address allowed at creation but not any more, and shows viewers no error text", async () => {
    allow("127.0.0.1");
    const hook = await create(receiver.url, "ssrf-literal");
    expect(hook.status).toBe(201);
    allow("");
    const { admin, viewer, viewerRaw } = await deliverOnce(hook.body.id, "ssrf-literal");
    expect(receiver.received).toHaveLength(0);
    expect(admin).toMatchObject({ status: "failed", lastStatusCode: null, lastError: "destination refused: 127.0.0.1 is a loopback address" });
    expect(viewer).toMatchObject({ status: "failed", lastStatusCode: null, lastError: REDACTED_ERROR });
    expect(viewerRaw).not.toMatch(/127\.0\.0\.1|refused|loopback/);
    await call(item.DELETE, { params: { id: hook.body.id } });
  });

  it("refuses a host name that resolves to loopback at delivery (localhost)", async () => {
    allow("localhost");
    const hook = await create(`http://localhost:${port}/hook`, "ssrf-name");
    expect(hook.status).toBe(201);
    allow("");
    const { admin } = await deliverOnce(hook.body.id, "ssrf-name");
    expect(receiver.received).toHaveLength(0);
    expect(admin.lastError).toMatch(/^destination refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/);
    await call(item.DELETE, { params: { id: hook.body.id } });
  });

  it("checks the address it connects to: a name public at creation and loopback at delivery is refused (DNS rebinding)", async () => {
    let answers = 0;
    setResolverForTests(async () => (answers++ === 0 ? [{ address: "93.184.215.14", family: 4 }] : [{ address: "127.0.0.1", family: 4 }]));
    const hook = await create(`http://rebind.test:${port}/hook`, "ssrf-rebind");
    expect(hook.status).toBe(201);
    const { admin } = await deliverOnce(hook.body.id, "ssrf-rebind");
    expect(answers).toBe(2);
    expect(receiver.received).toHaveLength(0);
    expect(admin.lastError).toBe("destination refused: rebind.test resolves to 127.0.0.1, a loopback address");
    await call(item.DELETE, { params: { id: hook.body.id } });
  });

  it("connects to the very address the check returned (a name only the guarded resolver knows)", async () => {
    allow("127.0.0.0/8");
    setResolverForTests(async (host) => (host === "pinned.test" ? [{ address: "127.0.0.1", family: 4 }] : []));
    const hook = await create(`http://pinned.test:${port}/hook`, "ssrf-pinned");
    expect(hook.status).toBe(201);
    const { admin, viewer } = await deliverOnce(hook.body.id, "ssrf-pinned");
    expect(admin).toMatchObject({ status: "delivered", lastStatusCode: 200 });
    expect(viewer).toMatchObject({ status: "delivered", lastStatusCode: 200, lastError: null });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers.host).toBe(`pinned.test:${port}`);
    await call(item.DELETE, { params: { id: hook.body.id } });
  });

  it("does not follow redirects, and shows viewers the status code", async () => {
    const bouncer = createServer((_req, res) => res.writeHead(307, { location: receiver.url }).end());
    await new Promise<void>((r) => bouncer.listen(0, "127.0.0.1", r));
    allow("127.0.0.1");
    const hook = await create(`http://127.0.0.1:${(bouncer.address() as { port: number }).port}/`, "ssrf-redirect");
    const { admin, viewer } = await deliverOnce(hook.body.id, "ssrf-redirect");
    expect(receiver.received).toHaveLength(0);
    expect(admin).toMatchObject({ status: "failed", lastStatusCode: 307, lastError: "HTTP 307" });
    expect(viewer).toMatchObject({ lastStatusCode: 307, lastError: "HTTP 307" });
    await call(item.DELETE, { params: { id: hook.body.id } });
    await new Promise((r) => bouncer.close(r));
  });

  it("the webhooks page's data for a viewer carries no error text (status codes only)", async () => {
    allow("127.0.0.1");
    const gone = await startReceiver();
    await gone.close();
    const hook = await create(gone.url, "ssrf-page");
    await deliverOnce(hook.body.id, "ssrf-page");
    const viewer: Principal = { kind: "user", id: "v", name: "viewer", role: "viewer", rateLimit: null };
    const admin: Principal = { kind: "user", id: "a", name: "admin", role: "admin", rateLimit: null };
    const forViewer = (await loadWebhooks(viewer)).deliveries.find((d) => d.webhookId === hook.body.id);
    const forAdmin = (await loadWebhooks(admin)).deliveries.find((d) => d.webhookId === hook.body.id);
    expect(forAdmin?.lastError).toMatch(/ECONNREFUSED/);
    expect(forViewer).toMatchObject({ lastStatusCode: null, lastError: REDACTED_ERROR });
    await call(item.DELETE, { params: { id: hook.body.id } });
  });
});
