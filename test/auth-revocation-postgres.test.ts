// Revoking a key takes effect at once on every instance that shares a Postgres server: another
// process revokes, this one (which had the key cached) refuses it on the very next request. And
// when this instance's listening connection drops, it stops caching until it listens again.
// Runs when DATABASE_URL names a Postgres server (as test/postgres-server.test.ts; .ci/run sets it).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { call } from "./helpers/app";
import { adminQuery, serverUrl, useServerDatabase, warnIfNoServer } from "./helpers/postgres-server";

warnIfNoServer("test/auth-revocation-postgres.test.ts");

const dbName = `verdict_test_auth_${randomBytes(4).toString("hex")}`;

describe.skipIf(!serverUrl)("key revocation across instances on a Postgres server", () => {
  const db = useServerDatabase(dbName);

  it("another process revokes a key this one has cached: NOTIFY reaches a listener, and the next request here is 401", async () => {
    const keys = await import("@/app/api/v1/keys/route");
    const me = await import("@/app/api/auth/me/route");
    const created = await call(keys.POST, { body: { name: "shared", kind: "server", role: "viewer" } });
    expect(created.status).toBe(201);
    // an independent client, listening as a third instance would
    const { Client } = await import("pg");
    const listener = new Client({ connectionString: db.url() });
    listener.on("error", () => {});
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (n) => heard.push(`${n.channel}:${n.payload}`));
    await listener.query("LISTEN verdict_auth_changed");

    const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/revoke-key-child.ts", created.body.id], { env: { ...process.env, DATABASE_URL: db.url() } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 60_000, interval: 100 }).toContain("ready");
    // cached here just now: without the notification this key would stay valid for another 10 s
    expect((await call(me.GET, { token: created.body.token })).status).toBe(200);
    child.stdin.write("revoke\n");
    await expect.poll(() => out, { timeout: 30_000, interval: 20 }).toContain(`revoked ${created.body.id}`);
    try {
      await expect.poll(() => heard, { timeout: 5000 }).toEqual([`verdict_auth_changed:api_key:${created.body.id}`]);
    } finally {
      await listener.end();
    }
    // delivered to this process too (it is not the one that revoked, so nothing cleared its cache directly)
    await expect.poll(async () => (await call(me.GET, { token: created.body.token })).status, { timeout: 2000, interval: 20 }).toBe(401);
  });

  it("stops caching while its listening connection is down, and caches again once it reconnects", async () => {
    const keys = await import("@/app/api/v1/keys/route");
    const me = await import("@/app/api/auth/me/route");
    const { authCacheAllowed } = await import("@/server/auth/invalidation");
    const created = await call(keys.POST, { body: { name: "dropped", kind: "server", role: "viewer" } });
    expect((await call(me.GET, { token: created.body.token })).status).toBe(200);
    expect(authCacheAllowed()).toBe(true);
    // the server ends the listening backend, as a failover or an idle-connection reaper would
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}' AND query ILIKE 'LISTEN%'`);
    await expect.poll(() => authCacheAllowed(), { timeout: 5000 }).toBe(false);
    // a revocation whose notification nobody here heard
    await adminQuery(`UPDATE api_keys SET revoked_at = now() WHERE id = '${created.body.id}'`, dbName);
    expect((await call(me.GET, { token: created.body.token })).status).toBe(401);
    await expect.poll(() => authCacheAllowed(), { timeout: 10_000 }).toBe(true);
  });
});
