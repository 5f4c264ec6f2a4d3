// Admins manage users and key limits from the dashboard; a disabled user's open session ends at
// once, a role change applies to the next page, a reset password replaces the old one.
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USER } from "./env";
import { ensureUser, PASSWORD, signIn } from "./helpers";

const USER = "dora";

test.beforeAll(async ({ request }) => {
  await ensureUser(request, USER, "viewer");
});

test("disable, enable, change role and reset the password of a user", async ({ page, browser }) => {
  const other = await browser.newContext();
  const dora = await other.newPage();
  await signIn(dora, USER);
  await expect(dora.getByTestId("current-role")).toHaveText("viewer");

  await signIn(page, ADMIN_USER, ADMIN_PASSWORD);
  await page.goto("/users");
  const row = page.getByTestId(`user-row-${USER}`);
  await row.getByRole("button", { name: "Disable" }).click();
  await page
    .getByRole("dialog", { name: `Disable ${USER}?` })
    .getByRole("button", { name: "Disable" })
    .click();
  await expect(row).toContainText("disabled");

  // her open session ends at once: the next page is the sign-in page, and she cannot sign in
  await dora.goto("/experiments");
  await expect(dora).toHaveURL(/\/sign-in/);
  await dora.getByLabel("Username").fill(USER);
  await dora.getByLabel("Password").fill(PASSWORD);
  await dora.getByRole("button", { name: "Sign in" }).click();
  await expect(dora.getByText("This account is disabled")).toBeVisible();

  await row.getByRole("button", { name: "Enable" }).click();
  await page
    .getByRole("dialog", { name: `Enable ${USER}?` })
    .getByRole("button", { name: "Enable" })
    .click();
  await expect(row).toContainText("active");
  await row.getByLabel(`Role of ${USER}`).selectOption("release_manager");
  await expect(row).toContainText("release manager");

  await signIn(dora, USER);
  await expect(dora.getByTestId("current-role")).toHaveText("release manager");

  await row.getByRole("button", { name: "Reset password" }).click();
  const dialog = page.getByRole("dialog", { name: `Reset the password of ${USER}?` });
  await dialog.getByLabel("New password").fill("A".repeat(73));
  await dialog.getByRole("button", { name: "Reset password" }).click();
  await expect(dialog.getByRole("alert")).toContainText("72 bytes");
  await dialog.getByLabel("New password").fill("a-brand-new-password");
  await dialog.getByRole("button", { name: "Reset password" }).click();
  await expect(row.getByRole("status")).toContainText("1 session(s) ended");
  await dora.goto("/experiments");
  await expect(dora).toHaveURL(/\/sign-in/);
  await signIn(dora, USER, "a-brand-new-password");

  await page.goto("/audit");
  for (const action of ["user.disabled", "user.enabled", "user.role_changed", "user.password_reset"]) await expect(page.getByText(action).first()).toBeVisible();
  await other.close();
});

test("an admin sets and clears a key's rate limit", async ({ page }) => {
  await signIn(page, ADMIN_USER, ADMIN_PASSWORD);
  await page.goto("/keys");
  await page.getByLabel("Name").fill("limited app");
  await page.getByLabel("Rate limit (events/s)").fill("500");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("rate-limit-limited app")).toHaveText("500/s");
  await page.getByRole("button", { name: "Edit rate limit of limited app" }).click();
  await page.getByLabel("Rate limit of limited app (events/s, empty for none)").fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("rate-limit-limited app")).toHaveText("none");
});
