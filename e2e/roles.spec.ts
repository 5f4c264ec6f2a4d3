// Each role sees what it may do: viewers read and cannot act (the API refuses them too), release
// managers get the action buttons, admins also manage keys and users.
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USER } from "./env";
import { browserPost, createExperiment, ensureUser, signIn } from "./helpers";

const KEY = "roles-canary";

test.beforeAll(async ({ request }) => {
  await ensureUser(request, "vera", "viewer");
  await ensureUser(request, "rita", "release_manager");
  await createExperiment(request, { key: KEY, name: "Roles canary", strategy: "canary" });
});

test("a viewer sees everything and changes nothing", async ({ page }) => {
  await signIn(page, "vera");
  await expect(page.getByTestId("current-role")).toHaveText("viewer");
  await expect(page.getByRole("link", { name: "New experiment" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" })).toHaveCount(0);
  await page.getByRole("link", { name: "Roles canary" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Roles canary");
  await expect(page.getByTestId("release-actions")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Edit" })).toHaveCount(0);
  // the API refuses the viewer's session as well, CSRF header and all
  const refused = await browserPost(page, `/api/v1/experiments/${KEY}/pause`, { reason: "curious" });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe("forbidden");
  await page.goto("/keys");
  await expect(page.getByText("Only admins manage API keys.")).toBeVisible();
});

test("a release manager pauses and resumes from the dashboard", async ({ page }) => {
  await signIn(page, "rita");
  await expect(page.getByTestId("current-role")).toHaveText("release manager");
  await expect(page.getByRole("link", { name: "New experiment" })).toBeVisible();
  await page.goto(`/experiments/${KEY}`);
  const actions = page.getByTestId("release-actions");
  await actions.getByRole("button", { name: "Pause" }).click();
  const dialog = page.getByRole("dialog", { name: `Pause ${KEY}?` });
  await dialog.getByLabel("Reason (optional)").fill("checking the dashboards");
  await dialog.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("action-feedback")).toHaveText("Paused.");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("paused");
  await actions.getByRole("button", { name: "Resume" }).click();
  await page
    .getByRole("dialog", { name: `Resume ${KEY}?` })
    .getByRole("button", { name: "Resume" })
    .click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("running");
  await expect(page.getByTestId("timeline")).toContainText("checking the dashboards");
});

test("an admin creates an API key that is shown once, and sees the users", async ({ page }) => {
  await signIn(page, ADMIN_USER, ADMIN_PASSWORD);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
  await page.getByLabel("Name").fill("e2e web app");
  await page.getByRole("button", { name: "Create key" }).click();
  const token = page.getByTestId("new-key-token");
  await expect(token).toHaveText(/^vd_cli_/);
  await expect(page.getByTestId("keys-table")).toContainText("e2e web app");
  await page.reload();
  await expect(page.getByTestId("new-key-token")).toHaveCount(0);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByTestId("users-table")).toContainText("vera");
  await expect(page.getByTestId("users-table")).toContainText("rita");
});

test("every page is reached from the navigation (screenshots as artifacts)", async ({ page }) => {
  await signIn(page, ADMIN_USER, ADMIN_PASSWORD);
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const [link, heading] of [
    ["Experiments", "Experiments"],
    ["Decisions", "Decisions"],
    ["Audit log", "Audit log"],
    ["Webhooks", "Webhooks"],
    ["API keys", "API keys"],
    ["Users", "Users"],
  ] as const) {
    await nav.getByRole("link", { name: link }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
    await expect(nav.getByRole("link", { name: link })).toHaveAttribute("aria-current", "page");
    await page.screenshot({ path: test.info().outputPath(`${link.toLowerCase().replace(" ", "-")}.png`), fullPage: true });
  }
  await page.goto(`/experiments/${KEY}/edit`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Edit Roles canary");
  await expect(page.getByLabel("Key", { exact: true })).toBeDisabled();
  await page.screenshot({ path: test.info().outputPath("edit.png"), fullPage: true });
  await page.getByLabel("Hypothesis").fill("Edited through the dashboard.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/experiments/${KEY}$`));
  await expect(page.getByText("Edited through the dashboard.")).toBeVisible();
  // signing out ends the session
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/experiments");
  await expect(page).toHaveURL(/\/sign-in/);
});
