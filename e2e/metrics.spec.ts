// Metric definitions on the dashboard (issue 16 part 2): a release manager defines a ratio metric,
// sees it listed with its version, sees the API's validation message under the field, and edits it
// into version 2; a viewer sees the list read-only.
import { expect, test } from "@playwright/test";
import { ensureUser, signIn } from "./helpers";

test.beforeAll(async ({ request }) => {
  await ensureUser(request, "mira", "release_manager");
  await ensureUser(request, "vico", "viewer");
});

test("a release manager creates a metric definition, sees it listed and edits it into version 2", async ({ page }) => {
  await signIn(page, "mira");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Metrics" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Metrics");
  await expect(page.getByTestId("metric-row-error_rate")).toContainText("built-in");

  const form = page.getByTestId("metric-create-form");
  await form.getByLabel("Key").fill("crash_rate");
  await form.getByLabel("Label").fill("Crash rate");
  await form.getByLabel("Kind").selectOption("ratio");
  await form.getByLabel("Direction").selectOption("lower_is_better");
  await form.locator("#metric-numerator-name").fill("crash");
  // no denominator event name: the API names the field
  await form.getByRole("button", { name: "Create metric" }).click();
  await expect(page.getByTestId("error-metric-denominator-name")).toContainText("required for type 'metric'");
  await form.locator("#metric-denominator-name").fill("tracking_view");
  await form.getByRole("button", { name: "Create metric" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved crash_rate as version 1");
  const row = page.getByTestId("metric-row-crash_rate");
  await expect(row).toContainText("Crash rate");
  await expect(row).toContainText("count of metric 'crash' / count of metric 'tracking_view'");
  await expect(page.getByTestId("metric-version-crash_rate")).toHaveText("v1");

  await row.getByRole("button", { name: "Edit crash_rate" }).click();
  const edit = page.getByTestId("metric-edit-form");
  await edit.getByLabel("Label").fill("Crashes per tracking view");
  await edit.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByTestId("metric-version-crash_rate")).toHaveText("v2");
  await expect(row).toContainText("Crashes per tracking view");

  // the experiment form offers it beside the built-ins (loaded by the page)
  await page.goto("/experiments/new");
  await expect(page.locator('#metric-options option[value="crash_rate"]')).toHaveCount(1);
});

test("a viewer sees the definitions and no forms", async ({ page }) => {
  await signIn(page, "vico");
  await page.goto("/metrics");
  await expect(page.getByTestId("metric-row-crash_rate")).toBeVisible();
  await expect(page.getByTestId("metric-create-form")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit crash_rate" })).toHaveCount(0);
  await expect(page.getByText("You have read-only access (viewer).")).toBeVisible();
});
