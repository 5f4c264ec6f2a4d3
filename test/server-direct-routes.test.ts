// The production server (server.ts) hands POST /api/v1/assign and POST /api/v1/events straight to
// their handlers (registered at start: instrumentation-node.ts loads src/server/http/client-endpoints.ts).
// Each request below goes to the production server and to plain `next start`, where Next's own
// pipeline serves it: both must answer alike, errors included, and the production server's
// /api/metrics must show that its direct path really served them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const dataDirs = [mkdtempSync(join(tmpdir(), "verdict-direct-")), mkdtempSync(join(tmpdir(), "verdict-next-"))];
let server: NextServer;
let nextStart: NextServer;

beforeAll(async () => {
  ensureBuilt();
  const env = { VERDICT_SEED_DEMO: "false" };
  [server, nextStart] = await Promise.all([startNextServer({ dataDir: dataDirs[0], env }), startNextServer({ dataDir: dataDirs[1], env, nextStart: true })]);
}, 600_000);

afterAll(async () => {
  await Promise.all([server?.stop(), nextStart?.stop()]);
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

interface Sent {
  status: number;
  body: { error?: { code: string; message: string }; [k: string]: unknown };
  contentType: string | null;
}

async function send(base: string, path: string, init: RequestInit): Promise<Sent> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as Sent["body"], contentType: res.headers.get("content-type") };
}

/** The same request to plain `next start` (Next's pipeline), then to the production server (direct). */
async function twice(path: string, init: () => RequestInit): Promise<[Sent, Sent]> {
  return [await send(nextStart.url, path, init()), await send(server.url, path, init())];
}

const client = { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" };
const events = (n: number, prefix: string) => ({ events: Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, type: "engagement", userId: `u${i}` })) });

describe("direct routes of the production server", () => {
  it("answers POST /api/v1/assign as Next does: 401, 400 and 200", async () => {
    const [a1, a2] = await twice("/api/v1/assign", () => ({ method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
    expect([a1.status, a2.status]).toEqual([401, 401]);
    expect(a2.body.error?.code).toBe("unauthorized");
    expect(a2.body.error).toEqual(a1.body.error);

    const [b1, b2] = await twice("/api/v1/assign", () => ({ method: "POST", headers: client, body: "{not json" }));
    expect([b1.status, b2.status]).toEqual([400, 400]);
    expect(b2.body.error?.code).toBe("invalid_json");

    const [c1, c2] = await twice("/api/v1/assign", () => ({ method: "POST", headers: client, body: JSON.stringify({ userId: "u1", attributes: { role: "beta" } }) }));
    expect([c1.status, c2.status]).toEqual([200, 200]);
    expect(c2.body).toEqual(c1.body);
    expect(c2.contentType).toMatch(/^application\/json/);
  });

  it("answers POST /api/v1/events as Next does: gzip, ?key=, 413 and per-event rejections", async () => {
    let n = 0;
    const [g1, g2] = await twice("/api/v1/events", () => ({
      method: "POST",
      headers: { ...client, "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify(events(50, `gz${n++}`))),
    }));
    expect([g1.body.accepted, g2.body.accepted]).toEqual([50, 50]);

    const [k1, k2] = await twice(`/api/v1/events?key=${TEST_CLIENT_KEY}`, () => ({ method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(events(3, `beacon${n++}`)) }));
    expect([k1.status, k2.status]).toEqual([200, 200]);

    const huge = JSON.stringify({ events: [{ id: "x", type: "engagement", userId: "u", properties: { pad: "p".repeat(1_200_000) } }] });
    const [h1, h2] = await twice("/api/v1/events", () => ({ method: "POST", headers: client, body: huge }));
    expect([h1.status, h2.status]).toEqual([413, 413]);
    expect(h2.body.error?.code).toBe("payload_too_large");

    const [r1, r2] = await twice("/api/v1/events", () => ({ method: "POST", headers: client, body: JSON.stringify({ events: [{ id: "ok", type: "engagement", userId: "u" }, { type: "nope" }] }) }));
    expect(r2.body).toEqual(r1.body);
    expect(r2.body).toMatchObject({ accepted: 1, rejected: [{ index: 1, code: "invalid_id" }] });
  });

  it("reports the requests it served directly in /api/metrics", async () => {
    const res = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const text = await res.text();
    const count = (route: string) => Number(new RegExp(`verdict_http_direct_requests_total\\{route="${route}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count("POST /api/v1/assign")).toBeGreaterThanOrEqual(3);
    expect(count("POST /api/v1/events")).toBeGreaterThanOrEqual(4);
  });
});
