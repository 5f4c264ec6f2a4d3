// Issue 12, item 10 (parts): disable/enable, role change and password reset, all audited, each
// effective on the very next request; per-key rate limits; revoking a key refuses it at once.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as login from "@/app/api/auth/login/route";
import * as me from "@/app/api/auth/me/route";
import * as audit from "@/app/api/v1/audit/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as keys from "@/app/api/v1/keys/route";
import * as keyItem from "@/app/api/v1/keys/[id]/route";
import * as users from "@/app/api/v1/users/route";
import * as userItem from "@/app/api/v1/users/[id]/route";
import * as password from "@/app/api/v1/users/[id]/password/route";
import { getDb } from "@/db/postgres";
import { sessions, users as usersTable } from "@/db/schema";
import { principalForKey } from "@/server/auth/authenticate";
import { setListeningForTests } from "@/server/auth/invalidation";
import { call, setupStores } from "./helpers/app";

beforeAll(setupStores);

async function newUser(username: string, role: string, pw = `${username}-password`) {
  const res = await call(users.POST, { body: { username, password: pw, role } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function signIn(username: string, pw = `${username}-password`) {
  const res = await call(login.POST, { token: null, body: { username, password: pw } });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { status: res.status, body: res.body, cookie, csrf: res.body?.csrfToken as string };
}

async function auditActions(entityKey: string): Promise<string[]> {
  const res = await call(audit.GET, { path: `/api/v1/audit?entityKey=${entityKey}` });
  return res.body.entries.map((e: { action: string }) => e.action);
}

describe("user management", () => {
  it("disabling a user ends their sessions at once and stops sign-in; enabling lets them back", async () => {
    const id = await newUser("dana", "release_manager");
    const session = await signIn("dana");
    expect((await call(me.GET, { token: null, headers: { cookie: session.cookie } })).status).toBe(200);
    const disabled = await call(userItem.PATCH, { method: "PATCH", params: { id }, body: { disabled: true } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabledAt).toBeTruthy();
    expect((await call(me.GET, { token: null, headers: { cookie: session.cookie } })).status).toBe(401);
    const db = await getDb();
    expect(await db.select().from(sessions).where(eq(sessions.userId, id))).toEqual([]);
    const refused = await signIn("dana");
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("disabled");
    expect((await call(users.GET, {})).body.users.find((u: { id: string }) => u.id === id).disabledAt).toBeTruthy();
    expect((await call(userItem.PATCH, { method: "PATCH", params: { id }, body: { disabled: false } })).body.disabledAt).toBeNull();
    expect((await signIn("dana")).status).toBe(200);
    expect(await auditActions("dana")).toEqual(["user.enabled", "user.disabled", "user.created"]);
  });

  it("a session of a disabled user stops authenticating even if its row survived", async () => {
    const id = await newUser("ghost", "viewer");
    const session = await signIn("ghost");
    const db = await getDb();
    // as if the disable had raced with a sign-in that inserted a session just after the delete
    await db.update(usersTable).set({ disabledAt: new Date() }).where(eq(usersTable.id, id));
    expect((await call(me.GET, { token: null, headers: { cookie: session.cookie } })).status).toBe(401);
  });

  it("a role change applies to the user's next request", async () => {
    const id = await newUser("rosa", "viewer");
    const { cookie, csrf } = await signIn("rosa");
    const create = (key: string) => call(collection.POST, { token: null, headers: { cookie, "x-csrf-token": csrf }, body: { key, name: "x", strategy: "ab" } });
    expect((await create("rosa-1")).status).toBe(403);
    const promoted = await call(userItem.PATCH, { method: "PATCH", params: { id }, body: { role: "release_manager" } });
    expect(promoted.body.role).toBe("release_manager");
    expect((await create("rosa-1")).status).toBe(201);
    await call(userItem.PATCH, { method: "PATCH", params: { id }, body: { role: "viewer" } });
    expect((await create("rosa-2")).status).toBe(403);
    const log = await call(audit.GET, { path: "/api/v1/audit?entityKey=rosa" });
    expect(log.body.entries[0]).toMatchObject({ action: "user.role_changed", before: { role: "release_manager" }, after: { role: "viewer" } });
  });

  it("an admin resets a password: the old one stops working, the user's sessions end, nothing secret is audited", async () => {
    const id = await newUser("paul", "viewer");
    const session = await signIn("paul");
    const tooLong = await call(password.POST, { params: { id }, body: { password: "A".repeat(73) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details[0].path).toBe("password");
    const reset = await call(password.POST, { params: { id }, body: { password: "a-new-password" } });
    expect(reset.status).toBe(200);
    expect(reset.body.sessionsEnded).toBe(1);
    expect((await call(me.GET, { token: null, headers: { cookie: session.cookie } })).status).toBe(401);
    expect((await signIn("paul")).status).toBe(401);
    expect((await signIn("paul", "a-new-password")).status).toBe(200);
    const log = await call(audit.GET, { path: "/api/v1/audit?entityKey=paul" });
    expect(log.body.entries[0].action).toBe("user.password_reset");
    expect(JSON.stringify(log.body)).not.toContain("a-new-password");
    expect(JSON.stringify(log.body)).not.toContain("$scrypt$");
  });

  it("never leaves the store without an enabled admin", async () => {
    const admin = (await call(users.GET, {})).body.users.find((u: { username: string }) => u.username === "admin");
    const demote = await call(userItem.PATCH, { method: "PATCH", params: { id: admin.id }, body: { role: "viewer" } });
    expect(demote.status).toBe(409);
    expect((await call(userItem.PATCH, { method: "PATCH", params: { id: admin.id }, body: { disabled: true } })).status).toBe(409);
    const second = await newUser("second-admin", "admin");
    expect((await call(userItem.PATCH, { method: "PATCH", params: { id: admin.id }, body: { disabled: true } })).status).toBe(200);
    expect((await call(userItem.PATCH, { method: "PATCH", params: { id: second }, body: { role: "viewer" } })).status).toBe(409);
    expect((await call(userItem.PATCH, { method: "PATCH", params: { id: admin.id }, body: { disabled: false } })).status).toBe(200);
  });

  it("answers 404 for an unknown user and 400 for an empty change", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect((await call(userItem.PATCH, { method: "PATCH", params: { id: unknown }, body: { disabled: true } })).status).toBe(404);
    expect((await call(password.POST, { params: { id: unknown }, body: { password: "whatever-password" } })).status).toBe(404);
    expect((await call(userItem.PATCH, { method: "PATCH", params: { id: unknown }, body: {} })).status).toBe(400);
  });
});

describe("API keys", () => {
  it("carry an opt-in rate limit, set on create and changed with PATCH, audited, seen by the next request", async () => {
    const created = await call(keys.POST, { body: { name: "fleet", kind: "client", rateLimit: 5000 } });
    expect(created.status).toBe(201);
    expect(created.body.rateLimit).toBe(5000);
    expect((await principalForKey(created.body.token))?.rateLimit).toBe(5000);
    const cleared = await call(keyItem.PATCH, { method: "PATCH", params: { id: created.body.id }, body: { rateLimit: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.rateLimit).toBeNull();
    // the cached principal was dropped: the very next look-up sees the change
    expect((await principalForKey(created.body.token))?.rateLimit).toBeNull();
    await call(keyItem.PATCH, { method: "PATCH", params: { id: created.body.id }, body: { rateLimit: 250 } });
    expect((await principalForKey(created.body.token))?.rateLimit).toBe(250);
    expect((await call(keys.GET, {})).body.keys.find((k: { id: string }) => k.id === created.body.id).rateLimit).toBe(250);
    const log = await call(audit.GET, { path: `/api/v1/audit?entityKey=${created.body.id}` });
    expect(log.body.entries[0]).toMatchObject({ action: "api_key.updated", before: { rateLimit: null }, after: { rateLimit: 250 } });
    expect((await call(keys.POST, { body: { name: "no limit", kind: "client" } })).body.rateLimit).toBeNull();
  });

  it("a revoked key is refused by the very next request, and cannot be edited", async () => {
    const created = await call(keys.POST, { body: { name: "soon revoked", kind: "server", role: "viewer" } });
    for (let i = 0; i < 3; i++) expect((await call(me.GET, { token: created.body.token })).status).toBe(200);
    expect((await call(keyItem.DELETE, { method: "DELETE", params: { id: created.body.id } })).status).toBe(200);
    expect((await call(me.GET, { token: created.body.token })).status).toBe(401);
    expect((await call(keyItem.PATCH, { method: "PATCH", params: { id: created.body.id }, body: { rateLimit: 10 } })).status).toBe(409);
  });

  it("a change made behind this process's back is heard through NOTIFY (the store's own notification, no direct cache clear)", async () => {
    const created = await call(keys.POST, { body: { name: "notified", kind: "server", role: "viewer" } });
    expect((await call(me.GET, { token: created.body.token })).status).toBe(200);
    const db = await getDb();
    const { sql } = await import("drizzle-orm");
    // what another instance's revocation does to this store: the row, and the notification
    await db.execute(sql`update api_keys set revoked_at = now() where id = ${created.body.id}`);
    expect((await call(me.GET, { token: created.body.token })).status).toBe(200); // cached, nobody told us
    await db.execute(sql`select pg_notify('verdict_auth_changed', 'api_key')`);
    await new Promise((r) => setTimeout(r, 50));
    expect((await call(me.GET, { token: created.body.token })).status).toBe(401);
  });

  it("while not listening, keys are not cached at all", async () => {
    const created = await call(keys.POST, { body: { name: "uncached", kind: "server", role: "viewer" } });
    setListeningForTests(false);
    try {
      expect((await call(me.GET, { token: created.body.token })).status).toBe(200);
      const db = await getDb();
      const { sql } = await import("drizzle-orm");
      await db.execute(sql`update api_keys set revoked_at = now() where id = ${created.body.id}`);
      expect((await call(me.GET, { token: created.body.token })).status).toBe(401);
    } finally {
      setListeningForTests(true);
    }
  });
});
