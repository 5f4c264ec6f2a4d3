// Shared steps of the e2e tests: API calls with the known admin token, users per role, sign-in.
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { ADMIN_TOKEN } from "./env";

export const PASSWORD = "e2e-user-password";

export async function adminCall(request: APIRequestContext, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, data?: unknown) {
  const res = await request.fetch(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, data });
  const body = await res.json().catch(() => null);
  return { status: res.status(), body };
}

/** Creates the user unless a previous test file already did (one server serves every file). */
export async function ensureUser(request: APIRequestContext, username: string, role: "viewer" | "release_manager" | "admin"): Promise<void> {
  const { status, body } = await adminCall(request, "POST", "/api/v1/users", { username, password: PASSWORD, role });
  expect([201, 409], JSON.stringify(body)).toContain(status);
}

/** Idempotent: a worker restarted after a failure runs beforeAll again on the same server. */
export async function createExperiment(request: APIRequestContext, input: Record<string, unknown>, start = true): Promise<void> {
  const created = await adminCall(request, "POST", "/api/v1/experiments", input);
  expect([201, 409], JSON.stringify(created.body)).toContain(created.status);
  if (start && created.status === 201) {
    const started = await adminCall(request, "POST", `/api/v1/experiments/${input.key}/start`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(200);
  }
}

export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/experiments$/);
}

/** A mutation from the signed-in browser session, with the CSRF header, as the dashboard sends it. */
export async function browserPost(page: Page, path: string, data: unknown = {}) {
  const csrf = (await page.context().cookies()).find((c) => c.name === "verdict_csrf")?.value ?? "";
  const res = await page.request.post(path, { headers: { "x-csrf-token": csrf }, data });
  return { status: res.status(), body: await res.json().catch(() => null) };
}
