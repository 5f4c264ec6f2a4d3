// The DATABASE_URL path on a real Postgres server (CI starts Debian's postgresql and sets
// DATABASE_URL; test/setup.ts moves it to VERDICT_TEST_POSTGRES_URL so other files use PGlite).
// Unleash-style: one migrated template database, and this file works on a fresh clone of it.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, TEST_CLIENT_KEY } from "./helpers/app";
import { adminQuery, serverUrl, warnIfNoServer, withDatabase } from "./helpers/postgres-server";

warnIfNoServer("test/postgres-server.test.ts");

const dbName = `verdict_test_${randomBytes(4).toString("hex")}`;

describe.skipIf(!serverUrl)("config store on a Postgres server (DATABASE_URL)", () => {
  beforeAll(async () => {
    const template = `verdict_template_${process.pid}`;
    await adminQuery(`DROP DATABASE IF EXISTS ${template}`);
    await adminQuery(`CREATE DATABASE ${template}`);
    const { Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    const pool = new Pool({ connectionString: withDatabase(serverUrl!, template) });
    await migrate(drizzle(pool), { migrationsFolder: "drizzle" });
    await pool.end();
    await adminQuery(`CREATE DATABASE ${dbName} TEMPLATE ${template}`);
    await adminQuery(`DROP DATABASE ${template}`);
    process.env.DATABASE_URL = withDatabase(serverUrl!, dbName);
    const { boot } = await import("@/server/boot");
    await boot({ background: false });
  });

  afterAll(async () => {
    const { closeConfigStore } = await import("@/db/postgres");
    await closeConfigStore();
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName}`);
  });

  it("runs in server mode and reports it in /api/health", async () => {
    const health = await import("@/app/api/health/route");
    const res = await call(health.GET, { token: null });
    expect(res.status).toBe(200);
    expect(res.body.stores.postgres).toMatchObject({ ok: true, mode: "postgres" });
  });

  it("creates, starts and audits an experiment, and assigns through the client key", async () => {
    const collection = await import("@/app/api/v1/experiments/route");
    const start = await import("@/app/api/v1/experiments/[key]/start/route");
    const assign = await import("@/app/api/v1/assign/route");
    const audit = await import("@/app/api/v1/audit/route");
    expect((await call(collection.POST, { body: { key: "pg-canary", name: "On Postgres", strategy: "canary" } })).status).toBe(201);
    expect((await call(start.POST, { params: { key: "pg-canary" }, body: {} })).body.status).toBe("running");
    const res = await call(assign.POST, { token: TEST_CLIENT_KEY, body: { userId: "u1", log: false } });
    expect(res.body.assignments[0]).toMatchObject({ experiment: "pg-canary", strategy: "canary", stage: 5 });
    const log = await call(audit.GET, { path: "/api/v1/audit?entityKey=pg-canary" });
    expect(log.body.entries.map((e: { action: string }) => e.action)).toEqual(["experiment.started", "experiment.created"]);
  });

  it("signs a user in with a session cookie and enforces CSRF on mutations", async () => {
    const login = await import("@/app/api/auth/login/route");
    const collection = await import("@/app/api/v1/experiments/route");
    const res = await call(login.POST, { token: null, body: { username: "admin", password: "test-admin-password" } });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith("verdict_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    const cookie = cookies.map((c) => c.split(";")[0]).join("; ");
    const body = { key: "pg-form", name: "From the browser", strategy: "ab" };
    const noCsrf = await call(collection.POST, { token: null, headers: { cookie }, body });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe("csrf_failed");
    const ok = await call(collection.POST, { token: null, headers: { cookie, "x-csrf-token": res.body.csrfToken }, body });
    expect(ok.status).toBe(201);
  });
});
