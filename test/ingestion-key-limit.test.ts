// Per-key ingestion limits are opt-in: a key created with `rateLimit` (or given one through
// PATCH /api/v1/keys/{id}) gets 429 with Retry-After beyond it, while the shared client key, with no
// limit of its own and the default VERDICT_INGEST_RATE_LIMIT (none), is never throttled.
import { beforeAll, describe, expect, it } from "vitest";
import * as events from "@/app/api/v1/events/route";
import * as keys from "@/app/api/v1/keys/route";
import * as key from "@/app/api/v1/keys/[id]/route";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

beforeAll(setupStores);

const batch = (prefix: string) => ({ events: Array.from({ length: 1000 }, (_, i) => ({ id: `${prefix}-${i}`, type: "engagement", userId: `u${i}` })) });
const post = (token: string, prefix: string) => call(events.POST, { method: "POST", path: "/api/v1/events", token, body: batch(prefix) });

describe("per-key ingestion limits", () => {
  it("throttles only a key that has a limit of its own, and a PATCH sets or clears it", async () => {
    // defaults: the shared client key takes 5,000 events in a burst
    for (let i = 0; i < 5; i++) expect((await post(TEST_CLIENT_KEY, `shared-${i}`)).status).toBe(200);

    const created = await call(keys.POST, { body: { name: "partner app", kind: "client", rateLimit: 1000 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const limited = created.body.token as string;
    expect((await post(limited, "lim-0")).status).toBe(200);
    const refused = await post(limited, "lim-1");
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    const cleared = await call(key.PATCH, { method: "PATCH", params: { id: created.body.id }, body: { rateLimit: null } });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    for (let i = 2; i < 6; i++) expect((await post(limited, `lim-${i}`)).status).toBe(200);
  });

  it("fills in a key's last use for the keys page", async () => {
    const created = await call(keys.POST, { body: { name: "fresh app", kind: "client" } });
    const lastUsed = async () => ((await call(keys.GET)).body.keys as { id: string; lastUsedAt: string | null }[]).find((k) => k.id === created.body.id)?.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    const before = Date.now();
    expect((await post(created.body.token, "fresh-0")).status).toBe(200);
    await expect.poll(lastUsed, { timeout: 5_000 }).not.toBeNull();
    expect(Date.parse((await lastUsed())!)).toBeGreaterThanOrEqual(before - 1000);
  });
});
