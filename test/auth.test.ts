import { beforeAll, describe, expect, it } from "vitest";
import * as login from "@/app/api/auth/login/route";
import * as logout from "@/app/api/auth/logout/route";
import * as me from "@/app/api/auth/me/route";
import * as keys from "@/app/api/v1/keys/route";
import * as keyItem from "@/app/api/v1/keys/[id]/route";
import * as users from "@/app/api/v1/users/route";
import * as collection from "@/app/api/v1/experiments/route";
import { call, setupStores } from "./helpers/app";

beforeAll(setupStores);

async function signIn(username: string, password: string) {
  const res = await call(login.POST, { token: null, body: { username, password } });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { res, cookie, csrf: res.body?.csrfToken as string };
}

describe("sessions, users and keys", () => {
  it("refuses a wrong password without saying which part was wrong", async () => {
    const wrongPassword = await call(login.POST, { token: null, body: { username: "admin", password: "nope" } });
    const noUser = await call(login.POST, { token: null, body: { username: "ghost", password: "nope" } });
    expect(wrongPassword.status).toBe(401);
    expect(noUser.body.error.message).toBe(wrongPassword.body.error.message);
  });

  it("lets an admin create a viewer who can read but not change anything", async () => {
    const created = await call(users.POST, { body: { username: "ana", password: "analyst-password", role: "viewer" } });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty("passwordHash");
    const { cookie, csrf } = await signIn("ana", "analyst-password");
    expect((await call(me.GET, { token: null, headers: { cookie } })).body).toMatchObject({ name: "ana", role: "viewer" });
    expect((await call(collection.GET, { token: null, headers: { cookie } })).status).toBe(200);
    const refused = await call(collection.POST, { token: null, headers: { cookie, "x-csrf-token": csrf }, body: { key: "nope", name: "x", strategy: "ab" } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
  });

  it("needs the CSRF header for browser mutations, and logs out", async () => {
    await call(users.POST, { body: { username: "rm", password: "release-password", role: "release_manager" } });
    const { cookie, csrf } = await signIn("rm", "release-password");
    const body = { key: "from-browser", name: "x", strategy: "ab" };
    expect((await call(collection.POST, { token: null, headers: { cookie }, body })).body.error.code).toBe("csrf_failed");
    expect((await call(collection.POST, { token: null, headers: { cookie, "x-csrf-token": "forged" }, body })).status).toBe(403);
    expect((await call(collection.POST, { token: null, headers: { cookie, "x-csrf-token": csrf }, body })).status).toBe(201);
    expect((await call(logout.POST, { token: null, headers: { cookie, "x-csrf-token": csrf } })).status).toBe(200);
    expect((await call(me.GET, { token: null, headers: { cookie } })).status).toBe(401);
  });

  it("shows a new key once, stores only its hash, and honours revocation", async () => {
    const created = await call(keys.POST, { body: { name: "ci", kind: "server", role: "viewer" } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^vd_srv_/);
    const list = await call(keys.GET, {});
    const listed = list.body.keys.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: "ci", kind: "server", role: "viewer", prefix: created.body.token.slice(0, 12) });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await call(me.GET, { token: created.body.token })).status).toBe(200);
    expect((await call(keyItem.DELETE, { params: { id: created.body.id } })).status).toBe(200);
    expect((await call(me.GET, { token: created.body.token })).status).toBe(401);
  });

  it("refuses a server key without a role and a duplicate username", async () => {
    const noRole = await call(keys.POST, { body: { name: "x", kind: "server" } });
    expect(noRole.status).toBe(400);
    expect(noRole.body.error.details[0].path).toBe("role");
    expect((await call(users.POST, { body: { username: "ana", password: "another-password", role: "admin" } })).status).toBe(409);
  });
});
