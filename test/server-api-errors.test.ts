// The production server's surface: unknown /api paths and wrong methods answer the JSON error shape
// (404 not_found; 405 method_not_allowed with Allow), on Next's path and on the direct path; every
// answer carries the security headers (pages a nonce CSP that Next's own scripts carry); JSON-bodied
// routes refuse other media types (415), so a cross-site form cannot post to login.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unknownApiPath } from "@/server/http/unknown-api";
import { registeredOperations } from "@/server/openapi/registry";
import "@/server/openapi/operations";
import { TEST_ADMIN_PASSWORD, TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

let server: NextServer;

beforeAll(async () => {
  ensureBuilt();
  server = await startNextServer({ dataDir: process.env.VERDICT_DATA_DIR!, env: { VERDICT_SEED_DEMO: "false" } });
  // the direct path exists once Next has loaded the two client routes
  const warm = await fetch(`${server.url}/api/v1/assign`, { method: "POST", headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" }, body: '{"userId":"warm"}' });
  expect(warm.status).toBe(200);
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

async function send(path: string, init: RequestInit = {}) {
  const res = await fetch(`${server.url}${path}`, { redirect: "manual", ...init });
  const text = await res.text();
  let body: { error?: { code: string; message: string; details: unknown } } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the assertions say so */
  }
  return { status: res.status, headers: res.headers, text, body };
}

const SECURITY = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
};

function expectSecurityHeaders(headers: Headers, what: string) {
  for (const [name, value] of Object.entries(SECURITY)) expect(headers.get(name), `${name} on ${what}`).toBe(value);
  expect(headers.get("content-security-policy"), `CSP on ${what}`).toMatch(/frame-ancestors 'none'/);
}

describe("unknown API routes and wrong methods", () => {
  it("answers an unknown /api path 404 not_found in JSON, whatever the method, without reading the body", async () => {
    for (const [method, path] of [
      ["GET", "/api/nope"],
      ["POST", "/api/v1/nope"],
      ["DELETE", "/api/v1/experiments/x/nope"],
      ["GET", "/api"],
    ]) {
      const r = await send(path, { method, headers: { "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
      expect({ method, path, status: r.status, code: r.body?.error?.code }).toEqual({ method, path, status: 404, code: "not_found" });
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      expectSecurityHeaders(r.headers, `${method} ${path}`);
    }
  });

  it("answers a method a route does not take 405 method_not_allowed with Allow, through Next and on the direct path", async () => {
    const cases: [string, string, string][] = [
      ["GET", "/api/v1/assign", "OPTIONS, POST"], // a direct route
      ["PUT", "/api/v1/events", "OPTIONS, POST"],
      ["DELETE", "/api/v1/experiments", "GET, HEAD, OPTIONS, POST"], // Next's
      ["POST", "/api/health", "GET, HEAD, OPTIONS"],
      ["PUT", "/api/v1/experiments/some-key", "GET, HEAD, OPTIONS, PATCH"],
      ["GET", "/api/auth/login", "OPTIONS, POST"],
    ];
    for (const [method, path, allow] of cases) {
      const r = await send(path, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect({ method, path, status: r.status, code: r.body?.error?.code, allow: r.headers.get("allow") }).toEqual({ method, path, status: 405, code: "method_not_allowed", allow });
      expectSecurityHeaders(r.headers, `${method} ${path}`);
    }
    // and the methods a route takes still reach it
    expect((await send("/api/v1/experiments", { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status).toBe(200);
    expect((await send("/api/health", { method: "HEAD" })).status).toBe(200);
  });

  it("the catch-all route answers 404 in JSON under Next alone", async () => {
    const res = await unknownApiPath(new Request("http://localhost/api/v2/anything", { method: "PATCH" }));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found", details: { method: "PATCH", path: "/api/v2/anything" } } });
  });

  it("the table server.ts answers from lists exactly the methods every route file exports", () => {
    const apiDir = join(process.cwd(), "src/app/api");
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n === "route.ts" && !dir.includes("[...") ? [join(dir, n)] : []));
    const fromFiles = files(apiDir).flatMap((f) => {
      const path = `/${relative(join(process.cwd(), "src/app"), f).split(sep).slice(0, -1).join("/")}`.replace(/\[(\w+)\]/g, "{$1}");
      return [...readFileSync(f, "utf8").matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => `${m[1]} ${path}`);
    });
    const fromTable = registeredOperations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(fromTable.sort()).toEqual(fromFiles.sort());
  });
});

describe("security headers", () => {
  it("sends a nonce CSP on pages, fresh per request, and Next's scripts carry that nonce", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await send("/sign-in");
      expect(r.status).toBe(200);
      expectSecurityHeaders(r.headers, "/sign-in");
      const csp = r.headers.get("content-security-policy")!;
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, csp).toBeTruthy();
      expect(csp).toContain("'strict-dynamic'");
      expect(csp).not.toContain("unsafe-eval");
      const scripts = [...r.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const s of scripts) expect(s, "every script of the page carries the nonce").toContain(`nonce="${nonce}"`);
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("sends them on API answers: Next's, the direct path's, errors and redirects", async () => {
    expectSecurityHeaders((await send("/api/health")).headers, "GET /api/health");
    expect((await send("/api/health")).headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    const direct = await send("/api/v1/assign", { method: "POST", headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" }, body: '{"userId":"u1"}' });
    expect(direct.status).toBe(200);
    expectSecurityHeaders(direct.headers, "POST /api/v1/assign (direct)");
    const refused = await send("/api/v1/events", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(refused.status).toBe(401);
    expectSecurityHeaders(refused.headers, "401 of the direct path");
    const home = await send("/");
    expect(home.status).toBeGreaterThanOrEqual(300);
    expectSecurityHeaders(home.headers, "GET / (redirect)");
  });
});

describe("JSON-bodied routes take only application/json", () => {
  const credentials = JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD });

  it("refuses a login posted as a form or as text/plain with 415 and sets no session", async () => {
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", `username=admin&password=${TEST_ADMIN_PASSWORD}`],
      ["text/plain", credentials],
      ["multipart/form-data; boundary=x", `--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--x--`],
    ]) {
      const r = await send("/api/auth/login", { method: "POST", headers: { "content-type": type }, body });
      expect({ type, status: r.status, code: r.body?.error?.code }).toEqual({ type, status: 415, code: "unsupported_media_type" });
      expect(r.headers.get("set-cookie")).toBeNull();
    }
    const ok = await send("/api/auth/login", { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: credentials });
    expect(ok.status).toBe(200);
  });

  it("refuses other JSON-bodied mutations and the direct path alike, but not the beacon events endpoint", async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const create = await send("/api/v1/experiments", { method: "POST", headers: { ...admin, "content-type": "text/plain" }, body: JSON.stringify({ key: "form-post", name: "x", strategy: "ab" }) });
    expect(create.status).toBe(415);
    expect((await send("/api/v1/experiments/form-post", { headers: admin })).status).toBe(404);
    const assign = await send("/api/v1/assign", { method: "POST", headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "text/plain" }, body: '{"userId":"u1"}' });
    expect(assign.status).toBe(415);
    // navigator.sendBeacon posts text/plain with ?key=: documented, and the events route reads its body itself
    const beacon = await send(`/api/v1/events?key=${TEST_CLIENT_KEY}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ events: [{ id: "b1", type: "engagement", userId: "u" }] }),
    });
    expect(beacon.status).toBe(200);
  });
});
