// Memory before authentication, against the real production server (server.ts): bodies are read
// only after the caller is authenticated and never beyond the route's cap, and stalled uploads are
// closed by the server after the request timeout. The server's RSS (/proc/<pid>/status) is sampled
// throughout and must stay within a generous bound of where it started. Before the fix, 100
// unauthenticated 3 MiB uploads to the direct path were buffered whole (the issue saw 340 MB held
// for Node's 300 s default), and a 300 MiB body to POST /api/auth/login was read whole (+1.2 GB).
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const REQUEST_TIMEOUT_MS = 3_000;
const HEADERS_TIMEOUT_MS = 2_000;
const MiB = 1024 * 1024;
let server: NextServer;

beforeAll(async () => {
  ensureBuilt();
  server = await startNextServer({
    dataDir: process.env.VERDICT_DATA_DIR!,
    env: { VERDICT_SEED_DEMO: "false", VERDICT_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), VERDICT_HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) },
  });
  // Next loads the two client routes, which registers their direct path
  for (const path of ["/api/v1/assign", "/api/v1/events"]) {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" },
      body: '{"userId":"warm","events":[]}',
    });
    await res.text();
  }
  // and the login route (Next compiles nothing at run time, but loads a route module on first use)
  await (await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).text();
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) * 1024;
}

/** Samples the server's RSS every 100 ms while fn runs; the highest sample. */
async function peakRssDuring(fn: () => Promise<void>): Promise<number> {
  let peak = rssBytes(server.pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 100);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssBytes(server.pid));
}

interface Upload {
  /** what the server answered (may be empty if it only closed) */
  response: string;
  /** body bytes the socket took before the server closed it or we stopped */
  sent: number;
  /** ms from connect until the server closed the connection; Infinity if it did not within waitMs */
  closedAfterMs: number;
}

/**
 * A raw HTTP/1.1 upload: the head, then up to `send` body bytes (Content-Length framing, or chunked
 * without a length), then it stalls, holding the connection open until the server closes it.
 */
function upload(opts: { path: string; headers: Record<string, string>; send: number; chunked?: boolean; waitMs?: number; head?: string }): Promise<Upload> {
  return new Promise((resolve) => {
    const started = Date.now();
    let response = "";
    let sent = 0;
    let closed = false;
    const socket = connect(server.port, "127.0.0.1");
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ response, sent, closedAfterMs: Infinity });
    }, opts.waitMs ?? 30_000);
    socket.on("data", (d: Buffer) => (response += d.toString("latin1")));
    socket.on("error", () => undefined); // EPIPE / ECONNRESET: the server stopped reading, as it should
    socket.on("close", () => {
      closed = true;
      clearTimeout(giveUp);
      resolve({ response, sent, closedAfterMs: Date.now() - started });
    });
    socket.on("connect", async () => {
      const head =
        opts.head ??
        `POST ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries({ ...opts.headers, ...(opts.chunked ? { "transfer-encoding": "chunked" } : {}) })
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join("")}\r\n`;
      socket.write(head);
      const chunk = Buffer.alloc(64 * 1024, "a");
      while (sent < opts.send && !closed) {
        const n = Math.min(chunk.length, opts.send - sent);
        const piece = opts.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), chunk.subarray(0, n), Buffer.from("\r\n")]) : chunk.subarray(0, n);
        if (!socket.write(piece)) await new Promise<void>((r) => (socket.once("drain", r), socket.once("close", r)));
        sent += n;
      }
      // stall: nothing more is sent
    });
  });
}

const statusOf = (u: Upload) => Number(/^HTTP\/1\.1 (\d{3})/.exec(u.response)?.[1] ?? 0);
const clientJson = { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" };

describe("memory before authentication", () => {
  it("does not buffer unauthenticated uploads: 100 stalled 4 MiB uploads and 300 MiB logins leave RSS bounded", { timeout: 240_000 }, async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    const before = rssBytes(server.pid);
    let uploads: Upload[] = [];
    let logins: Upload[] = [];
    const peak = await peakRssDuring(async () => {
      // direct path (assign, events) and Next's (a JSON mutation): no key, a declared 4 MiB, 3 MiB sent
      uploads = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          upload({ path: ["/api/v1/events", "/api/v1/assign", "/api/v1/experiments"][i % 3], headers: { "content-type": "application/json", "content-length": String(4 * MiB) }, send: 3 * MiB }),
        ),
      );
      // login: a declared 300 MiB (refused on the length), and 300 MiB streamed chunked (cut at its cap)
      logins = await Promise.all([
        ...Array.from({ length: 3 }, () => upload({ path: "/api/auth/login", headers: { "content-type": "application/json", "content-length": String(300 * MiB) }, send: 300 * MiB })),
        ...Array.from({ length: 3 }, () => upload({ path: "/api/auth/login", headers: { "content-type": "application/json" }, send: 300 * MiB, chunked: true })),
      ]);
    });
    const growthMiB = (peak - before) / MiB;
    console.log(`[body-limits] server RSS before ${(before / MiB).toFixed(0)} MiB, peak during ${(peak / MiB).toFixed(0)} MiB (+${growthMiB.toFixed(0)} MiB)`);

    for (const u of uploads) {
      expect(statusOf(u), u.response.slice(0, 200)).toBe(401);
      expect(u.closedAfterMs, "the server closes an unauthenticated upload at once, not after the timeout").toBeLessThan(REQUEST_TIMEOUT_MS);
      expect(u.sent).toBeLessThan(3 * MiB + 1);
    }
    for (const l of logins) {
      expect(statusOf(l), `${l.response.slice(0, 300)} after ${l.closedAfterMs} ms, ${l.sent} bytes sent`).toBe(413);
      expect(l.response).toContain('"payload_too_large"');
      expect(l.closedAfterMs).toBeLessThan(Infinity);
      expect(l.sent, "the server stops reading a login body long before 300 MiB").toBeLessThan(64 * MiB);
    }
    expect(growthMiB, "server RSS growth under 100 stalled uploads and 300 MiB logins").toBeLessThan(150);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it("closes authenticated uploads that stall, and connections that never finish their headers, after the timeouts", { timeout: 120_000 }, async () => {
    const before = rssBytes(server.pid);
    let stalled: Upload[] = [];
    let headless: Upload[] = [];
    const peak = await peakRssDuring(async () => {
      [stalled, headless] = await Promise.all([
        Promise.all(Array.from({ length: 60 }, (_, i) => upload({ path: i % 2 ? "/api/v1/events" : "/api/v1/assign", headers: { ...clientJson, "content-length": String(MiB) }, send: 4 * 1024 }))),
        Promise.all(Array.from({ length: 20 }, () => upload({ path: "/", headers: {}, send: 0, head: "POST /api/v1/assign HTTP/1.1\r\nHost: 127.0.0.1\r\nx-slow: " }))),
      ]);
    });
    console.log(`[body-limits] 60 stalled authenticated uploads: RSS before ${(before / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB`);
    for (const u of stalled) {
      expect(u.closedAfterMs, "closed by the server after the request timeout").toBeLessThan(REQUEST_TIMEOUT_MS + 20_000);
      expect(u.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 500);
      expect(statusOf(u), u.response.slice(0, 200)).toBe(408);
    }
    for (const h of headless) expect(h.closedAfterMs, "closed after the headers timeout").toBeLessThan(HEADERS_TIMEOUT_MS + 20_000);
    expect((peak - before) / MiB).toBeLessThan(150);
  });

  it("refuses a declared length over a route's cap with 413 before reading, and still serves a body within it", async () => {
    const big = await upload({ path: "/api/v1/assign", headers: { ...clientJson, "content-length": String(2 * MiB) }, send: 0, waitMs: 10_000 });
    expect(statusOf(big)).toBe(413);
    expect(big.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS);
    const login = await upload({ path: "/api/auth/login", headers: { "content-type": "application/json", "content-length": String(9 * 1024) }, send: 0, waitMs: 10_000 });
    expect(statusOf(login)).toBe(413);
    const units = Array.from({ length: 1000 }, (_, i) => ({ userId: `u${i}`, attributes: { plan: "pro".repeat(50) } }));
    const ok = await fetch(`${server.url}/api/v1/assign`, { method: "POST", headers: clientJson, body: JSON.stringify({ units, log: false }) });
    expect(ok.status).toBe(200);
  });
});
