// Segments on the dashboard (issue 16): units assigned with a platform attribute, errors planted on
// Android's treatment only; the experiment page offers the declared segments, and the breakdown by
// platform shows per value the forest plot and table, Android worse, and the note on the correction.
import { expect, test } from "@playwright/test";
import { httpTransport } from "../src/simulator";
import { CLIENT_KEY } from "./env";
import { createExperiment, ensureUser, signIn } from "./helpers";

const KEY = "segmented-ab";

test.beforeAll(async ({ request, baseURL }) => {
  await ensureUser(request, "sara", "viewer");
  await ensureUser(request, "seth", "release_manager");
  await createExperiment(request, { key: KEY, name: "Segmented A/B", strategy: "ab", segments: ["platform", "region"], automation: "manual" });
  const t = httpTransport({ baseUrl: baseURL!, clientKey: CLIENT_KEY });
  const units = Array.from({ length: 1200 }, (_, i) => ({ userId: `seg-e2e-${i}`, attributes: { platform: i % 2 ? "android" : "ios", region: i % 3 ? "eu" : "us" } }));
  const results = [...(await t.assign(units.slice(0, 600), true)), ...(await t.assign(units.slice(600), true))];
  const events: Record<string, unknown>[] = [];
  let n = 0;
  let seed = 16;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; // seeded: the same data every run
  results.forEach((r, i) => {
    const a = r.assignments.find((x) => x.experiment === KEY);
    if (!a?.exposed) return;
    const p = units[i].attributes.platform === "android" && a.variant === "treatment" ? 0.3 : 0.05;
    for (let k = 0; k < 10; k++) {
      const at = new Date(Date.now() + 1000 + k).toISOString(); // after the exposure /assign just logged
      events.push({ id: `seg-e2e-r${++n}`, type: "request", userId: units[i].userId, timestamp: at });
      if (rand() < p) events.push({ id: `seg-e2e-e${++n}`, type: "error", userId: units[i].userId, timestamp: at });
    }
  });
  for (let i = 0; i < events.length; i += 1000) expect((await t.send(events.slice(i, i + 1000))).rejected).toBe(0);
});

test("the experiment page breaks the results down by a declared segment, with the correction spelled out", async ({ page }) => {
  await signIn(page, "sara");
  await page.goto(`/experiments/${KEY}`);
  const selector = page.getByTestId("segment-selector");
  await expect(selector.getByRole("link", { name: "platform" })).toBeVisible();
  await expect(selector.getByRole("link", { name: "region" })).toBeVisible();
  await selector.getByRole("link", { name: "platform" }).click();
  await expect(page).toHaveURL(new RegExp(`/experiments/${KEY}\\?segment=platform$`));
  const breakdown = page.getByTestId("segment-breakdown");
  await expect(breakdown.getByRole("heading", { name: "By platform" })).toBeVisible();
  await expect(page.getByTestId("segment-correction")).toContainText("Benjamini–Hochberg-adjusted over all");
  await expect(breakdown.getByRole("img", { name: /Forest plot of Error rate/ })).toBeVisible();
  const table = page.getByTestId("segment-table");
  await expect(table.locator('tr[data-segment="android"][data-metric="error_rate"]')).toHaveAttribute("data-verdict", "harm");
  await expect(table.locator('tr[data-segment="ios"][data-metric="error_rate"]')).not.toHaveAttribute("data-verdict", "harm");
  await expect(selector.getByRole("link", { name: "platform" })).toHaveAttribute("aria-current", "page");
  await breakdown.screenshot({ path: test.info().outputPath("segment-breakdown.png") });
});

test("segments are edited in the form: a bad attribute name is shown next to the field, a good list saved", async ({ page }) => {
  await signIn(page, "seth");
  await page.goto(`/experiments/${KEY}/edit`);
  const field = page.getByLabel("Segments");
  await expect(field).toHaveValue("platform, region");
  await field.fill("platform, region, has space");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("error-segments")).toContainText("must be an attribute name");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await field.fill("platform, region, appVersion");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/experiments/${KEY}$`));
  await expect(page.getByTestId("segment-selector").getByRole("link", { name: "appVersion" })).toBeVisible();
});
