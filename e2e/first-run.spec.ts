// What a new user meets on the dashboard beyond the happy path: a missing experiment is a real 404,
// and pages load without errors in the browser console (the favicon included).
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USER } from "./env";
import { signIn } from "./helpers";

test("a missing experiment answers 404 with the not-found page", async ({ page }) => {
  await signIn(page, ADMIN_USER, ADMIN_PASSWORD);
  const res = await page.goto("/experiments/no-such-experiment");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  const edit = await page.goto("/experiments/no-such-experiment/edit");
  expect(edit?.status()).toBe(404);
});

test("the dashboard loads without console errors, favicon included", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  await signIn(page, ADMIN_USER, ADMIN_PASSWORD);
  for (const path of ["/experiments", "/decisions", "/audit", "/webhooks", "/keys", "/users"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  const icon = await page.request.get("/favicon.ico");
  expect(icon.status()).toBe(200);
  expect(errors).toEqual([]);
});
