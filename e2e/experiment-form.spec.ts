// The create form: per-strategy defaults, validation messages next to the fields (the browser's own
// checks and the API's), and a canary created through the form that lands on its page.
import { expect, test } from "@playwright/test";
import { ensureUser, signIn } from "./helpers";

test.beforeAll(async ({ request }) => {
  await ensureUser(request, "rita", "release_manager");
});

test("strategy picker fills in each strategy's defaults", async ({ page }) => {
  await signIn(page, "rita");
  await page.goto("/experiments/new");
  await expect(page.getByLabel("Canary stages (% of users)")).toHaveValue("5, 20, 50, 100");
  await page.getByText("Blue-green", { exact: true }).click();
  await expect(page.getByLabel("Variant 1 key")).toHaveValue("blue");
  await expect(page.getByLabel("Variant 2 key")).toHaveValue("green");
  await expect(page.getByLabel("Live environment at start")).toBeVisible();
  await page.getByText("Rolling", { exact: true }).click();
  await expect(page.getByLabel("Batch size (% of instances)")).toHaveValue("25");
  await page.getByText("Feature toggle", { exact: true }).click();
  await expect(page.getByLabel("Group 1 name")).toHaveValue("admins");
  await page.getByText("A/B test", { exact: true }).click();
  await expect(page.getByRole("button", { name: "Add variant" })).toBeVisible();
});

test("validation errors appear next to the fields, then a canary is created through the form", async ({ page }) => {
  await signIn(page, "rita");
  await page.goto("/experiments/new");

  // the empty form: the errors are far above the button, so the first one is scrolled to and focused
  await page.getByRole("button", { name: "Create experiment" }).click();
  await expect(page.getByTestId("form-summary")).toBeVisible();
  await expect(page.getByLabel("Key", { exact: true })).toBeFocused();
  await expect(page.getByLabel("Key", { exact: true })).toBeInViewport();
  await page.mouse.wheel(0, 5000);

  // the browser's check: weights must sum to 1
  await page.getByLabel("Variant 1 weight").fill("0.7");
  await page.getByRole("button", { name: "Create experiment" }).click();
  await expect(page.getByTestId("error-variants")).toContainText("must sum to 1");
  await page.getByLabel("Variant 1 weight").fill("0.5");

  // the API's checks, shown on the fields they name: a key that is not a slug, an empty name,
  // stages that do not end at 100 (the server's normaliser), a negative tolerance
  await page.getByLabel("Key", { exact: true }).fill("Checkout Canary!");
  await page.getByLabel("Tolerance for guardrail 1").fill("-1");
  await page.getByRole("button", { name: "Create experiment" }).click();
  await expect(page.getByTestId("form-summary")).toBeVisible();
  await expect(page.getByTestId("error-key")).toContainText("lowercase");
  await expect(page.getByLabel("Key", { exact: true })).toHaveAttribute("aria-invalid", "true");
  // the first problem is brought into view and focused (the button is at the bottom of a long form)
  await expect(page.getByLabel("Key", { exact: true })).toBeFocused();
  await expect(page.getByLabel("Key", { exact: true })).toBeInViewport();
  await expect(page.getByTestId("error-name")).toBeVisible();
  await expect(page.getByTestId("error-guardrails-0-tolerance")).toBeVisible();

  // fixed: a canary with targeting and a tighter error-rate guardrail
  await page.getByLabel("Key", { exact: true }).fill("checkout-canary");
  await page.getByLabel("Name", { exact: true }).fill("Checkout canary");
  await page.getByLabel("Hypothesis").fill("The new checkout loads faster and errs less.");
  await page.getByLabel("Tolerance for guardrail 1").fill("0.1");
  await page.getByLabel("Absolute limit for guardrail 1").fill("0.02");
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Condition 1 attribute").fill("region");
  await page.getByLabel("Condition 1 operator").selectOption("in");
  await page.getByLabel("Condition 1 value").fill("eu, us");
  await page.getByLabel("Automation").selectOption("manual");
  await page.getByRole("button", { name: "Create experiment" }).click();

  await expect(page).toHaveURL(/\/experiments\/checkout-canary$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Checkout canary");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("draft");
  await expect(page.getByTestId("stage")).toContainText("5 → 20 → 50 → 100");
  // empty state with the snippet to send the first events
  await expect(page.getByLabel("curl example")).toContainText("/api/v1/events");
  await expect(page.getByTestId("timeline")).toContainText("Created");

  // what was saved is what the API returns
  const saved = await page.request.get("/api/v1/experiments/checkout-canary");
  const e = await saved.json();
  expect(e.targeting).toEqual({ attribute: "region", op: "in", values: ["eu", "us"] });
  expect(e.metrics.guardrails[0]).toMatchObject({ metric: "error_rate", tolerance: 0.1, limit: 0.02 });
  expect(e.automation).toBe("manual");

  // and a duplicate key is refused on the key field
  await page.goto("/experiments/new");
  await page.getByLabel("Key", { exact: true }).fill("checkout-canary");
  await page.getByLabel("Name", { exact: true }).fill("Again");
  await page.getByRole("button", { name: "Create experiment" }).click();
  await expect(page.getByTestId("error-key")).toContainText("already exists");

  // the list finds it by search, and the strategy filter lives in the URL
  await page.goto("/experiments");
  await page.getByLabel("Search").fill("checkout");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=checkout/);
  await expect(page.getByTestId("experiment-row-checkout-canary")).toBeVisible();
  await expect(page.getByTestId("experiments-table").locator("tbody tr")).toHaveCount(1);
  await page.getByLabel("Strategy").selectOption("blue_green");
  await expect(page).toHaveURL(/strategy=blue_green/);
  await expect(page.getByText("No experiment matches these filters.")).toBeVisible();
});
