// The per-address sign-in backoff on the real production server (server.ts): the address is the
// TCP peer that server.ts stamps, so a client cannot escape the backoff by sending its own
// X-Forwarded-For or its own copy of the stamp header, and one noisy client does not block others'
// accounts. (The backoff itself is tested in-process in test/auth-hardening.test.ts.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PEER_HEADER } from "@/server/auth/client-address";
import { THROTTLE } from "@/server/auth/throttle";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const dataDir = mkdtempSync(join(tmpdir(), "verdict-sign-in-"));
let server: NextServer;

beforeAll(async () => {
  ensureBuilt();
  server = await startNextServer({ dataDir, env: { VERDICT_SEED_DEMO: "false" } });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function attempt(username: string, i: number): Promise<Response> {
  return fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    // a different spoofed address on every attempt, in both places a client could try
    headers: { "content-type": "application/json", "x-forwarded-for": `198.51.100.${i % 250}`, [PEER_HEADER]: `192.0.2.${i % 250}` },
    body: JSON.stringify({ username, password: "a-wrong-password" }),
  });
}

describe("sign-in backoff per client address, on the production server", () => {
  it("a client rotating usernames and spoofing its address is answered 429 with Retry-After", async () => {
    for (let i = 0; i < THROTTLE.addressFree; i++) {
      const res = await attempt(`rotating-${i}`, i);
      expect(res.status, await res.text()).toBe(401);
    }
    // the 21st waits 1 s, the next 2 s, 4 s...: whatever this machine's latency, one is refused
    let refused: Response | undefined;
    for (let i = THROTTLE.addressFree; i < THROTTLE.addressFree + 8 && !refused; i++) {
      const res = await attempt(`rotating-${i}`, i);
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(401);
    }
    expect(refused, "never refused: the per-address backoff did not see one address").toBeDefined();
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused!.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error.code).toBe("rate_limited");
  });
});
