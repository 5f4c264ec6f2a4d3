// A canary whose treatment errs far more than control, with traffic sent through the public API by the
// simulator: the metric table and charts fill, the engine recommends ROLLBACK, a release manager rolls
// back from the dashboard with a reason, and status, timeline and audit log show it. Then a
// blue-green switch and switch-back from the dashboard. A toggle for admins and beta users compares
// its on users with the holdback and rolls back on planted harm; a blue-green without verification
// traffic says what to change and promises no ETA; a toggle with holdback 0 shows a labelled before/after.
import { expect, test, type Page } from "@playwright/test";
import { httpTransport, runSimulation } from "../src/simulator";
import { CLIENT_KEY } from "./env";
import { adminCall, createExperiment, ensureUser, signIn } from "./helpers";

const KEY = "harmful-canary";

async function shoot(page: Page, name: string, path = test.info().outputPath(`${name}.png`)) {
  await page.screenshot({ path, fullPage: true });
}

test.beforeAll(async ({ request }) => {
  await ensureUser(request, "rita", "release_manager");
  // manual automation: the engine only recommends, so the rollback is the release manager's
  await createExperiment(request, {
    key: KEY,
    name: "Harmful canary",
    hypothesis: "The new tracking widget is safe to ship.",
    strategy: "canary",
    automation: "manual",
    rollout: { stages: [5, 20, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 0 },
  });
});

test("metrics fill from simulated traffic, ROLLBACK is recommended, and the release manager rolls back with a reason", async ({ page, request, baseURL }) => {
  test.setTimeout(240_000);
  await signIn(page, "rita");
  await page.goto(`/experiments/${KEY}`);
  await expect(page.getByText("No exposures yet.")).toBeVisible();
  await expect(page.getByTestId("live-indicator")).toBeVisible();

  // traffic through POST /api/v1/assign and /api/v1/events, evaluated after every batch as the
  // evaluator would, until the engine recommends a rollback
  let recommendation = "";
  await runSimulation({
    transport: httpTransport({ baseUrl: baseURL!, clientKey: CLIENT_KEY }),
    experiment: KEY,
    users: 40_000,
    batchSize: 1000,
    onlyExposed: true,
    seed: 7,
    userPrefix: "e2e-harm-",
    effects: { treatment: { errorRate: 4 } },
    onBatch: async (progress) => {
      if ((progress.exposed.treatment ?? 0) < 150) return;
      const evaluated = await adminCall(request, "POST", `/api/v1/experiments/${KEY}/evaluate`);
      expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
      recommendation = (await adminCall(request, "GET", `/api/v1/experiments/${KEY}/decision`)).body?.recommendation;
      return recommendation === "rollback" ? "stop" : undefined;
    },
  });
  expect(recommendation).toBe("rollback");

  // the page refreshes by itself while the rollout runs: no reload here
  const banner = page.getByTestId("decision-banner");
  await expect(banner).toHaveAttribute("data-recommendation", "rollback", { timeout: 30_000 });
  await expect(banner).toContainText("ROLLBACK");
  await expect(banner.getByTestId("decision-last-evaluated")).toContainText("last evaluated");
  await expect(banner.locator('[data-reason-code="guardrail_harm"]')).toContainText(/error/i);
  const table = page.getByTestId("metric-table");
  await expect(table.locator('tr[data-metric="error_rate"]')).toHaveAttribute("data-verdict", "harm");
  await expect(table.locator('tr[data-metric="page_load_time"]')).toBeVisible();
  await expect(page.getByTestId("exposures-table")).toContainText("treatment");
  for (const chart of ["forest", "exposures", "page-load"]) await expect(page.getByTestId(`chart-${chart}`).locator(".recharts-surface").first()).toBeVisible();
  await expect(page.getByTestId("planner-table")).toBeVisible();

  await shoot(page, "experiment-detail");
  await page.emulateMedia({ colorScheme: "dark" });
  await shoot(page, "experiment-detail-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 820, height: 1180 });
  await shoot(page, "experiment-detail-tablet");
  await page.setViewportSize({ width: 1366, height: 900 });

  await page.goto("/experiments");
  const row = page.getByTestId(`experiment-row-${KEY}`);
  await expect(row).toContainText("ROLLBACK");
  await expect(row).toContainText("guardrail");
  await shoot(page, "experiments-list");

  // roll back from the dashboard: the dialog will not confirm without a reason
  await row.getByRole("link", { name: "Harmful canary" }).click();
  await page.getByTestId("release-actions").getByRole("button", { name: "Roll back" }).click();
  const dialog = page.getByRole("dialog", { name: `Roll back ${KEY}?` });
  const confirm = dialog.getByRole("button", { name: "Roll back" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Reason").fill("error rate quadrupled in the 5 % stage");
  await confirm.click();
  await expect(page.getByTestId("action-feedback")).toHaveText("Rolled back.");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("rolled back");
  await expect(page.getByTestId("stage")).toContainText("stage 0 %");
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("Rolled back");
  await expect(timeline).toContainText("error rate quadrupled in the 5 % stage");
  await expect(timeline).toContainText("Evaluation: ROLLBACK");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  const audit = page.getByTestId("audit-table").locator('tr[data-action="experiment.rolled_back"]').first();
  await expect(audit).toContainText(KEY);
  await expect(audit).toContainText("rita");
  await expect(audit).toContainText("error rate quadrupled in the 5 % stage");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Decisions" }).click();
  const decisions = page.getByTestId("decisions-table");
  await expect(decisions).toContainText(KEY);
  // one row per change of decision, each with the time it was last evaluated
  await expect(decisions.getByRole("columnheader", { name: "Last evaluated" })).toBeVisible();
  // the events this test sent caused evaluations of their own: how long this instance took from storing them to each decision
  await expect(page.getByTestId("time-to-safety")).toContainText("Time to safety");
  await expect(page.getByTestId("time-to-safety-figures")).toContainText(/^\d+ of [1-9]\d* decisions within 2 s; p50 \d+\.\d s, p99 \d+\.\d s, max \d+\.\d s$/);
});

test("blue-green switch and switch-back from the dashboard", async ({ page, request }) => {
  const key = "checkout-blue-green";
  // no verification share: "someone" below must be on the live side, whatever their bucket
  await createExperiment(request, { key, name: "Checkout blue-green", strategy: "blue_green", automation: "manual", rollout: { verificationShare: 0 } });
  await signIn(page, "rita");
  await page.goto(`/experiments/${key}`);
  await expect(page.getByTestId("stage")).toHaveText("live: blue");
  const actions = page.getByTestId("release-actions");

  await actions.getByRole("button", { name: "Switch live to green" }).click();
  const dialog = page.getByRole("dialog", { name: "Switch live traffic to green?" });
  await dialog.getByLabel("Reason (optional)").fill("green verified on internal traffic");
  await dialog.getByRole("button", { name: "Switch live to green" }).click();
  await expect(page.getByTestId("action-feedback")).toHaveText("Live is now green.");
  await expect(page.getByTestId("stage")).toHaveText("live: green");

  await actions.getByRole("button", { name: "Switch live to blue" }).click();
  await page.getByRole("dialog", { name: "Switch live traffic to blue?" }).getByRole("button", { name: "Switch live to blue" }).click();
  await expect(page.getByTestId("stage")).toHaveText("live: blue");

  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("live blue → green");
  await expect(timeline).toContainText("live green → blue");
  // what the dashboard did is what the SDK sees
  const assigned = await request.post("/api/v1/assign", { headers: { authorization: `Bearer ${CLIENT_KEY}` }, data: { userId: "someone" } });
  const entry = (await assigned.json()).assignments.find((a: { experiment: string }) => a.experiment === key);
  expect(entry.variant).toBe("blue");
});

test("a toggle for admins and beta users rolls back on planted harm against its holdback", async ({ page, request, baseURL }) => {
  test.setTimeout(240_000);
  const key = "e2e-dark-mode";
  await createExperiment(request, {
    key,
    name: "Dark mode for admins and beta users",
    strategy: "toggle",
    rollout: {
      groups: [
        { name: "admins", rule: { attribute: "role", op: "eq", value: "admin" } },
        { name: "beta users", rule: { attribute: "beta", op: "eq", value: true } },
      ],
      minExposuresPerArm: 100,
      minDurationMinutes: 0,
    },
    metrics: { guardrails: [{ metric: "page_load_time" }] },
  });
  let recommendation = "";
  await runSimulation({
    transport: httpTransport({ baseUrl: baseURL!, clientKey: CLIENT_KEY }),
    experiment: key,
    users: 30_000,
    batchSize: 2500,
    onlyExposed: true,
    seed: 11,
    userPrefix: "e2e-dm-",
    attributes: (_i, rng) => ({ role: rng.next() < 0.5 ? "admin" : "customer", beta: rng.next() < 0.3 }),
    effects: { on: { loadTime: 1.3 } },
    onBatch: async () => {
      const evaluated = await adminCall(request, "POST", `/api/v1/experiments/${key}/evaluate`);
      if (evaluated.status === 409 && evaluated.body.error.details.status === "rolled_back") {
        // the evaluation the events triggered (auto-rollback) got there first: read its decision
        recommendation = (await adminCall(request, "GET", `/api/v1/experiments/${key}/decision`)).body.recommendation;
        return "stop";
      }
      expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
      recommendation = evaluated.body.recommendation;
      return recommendation === "hold" ? undefined : "stop";
    },
  });
  expect(recommendation).toBe("rollback");
  await signIn(page, "rita");
  await page.goto(`/experiments/${key}`);
  await expect(page.getByTestId("decision-banner")).toHaveAttribute("data-recommendation", "rollback");
  await expect(page.getByTestId("exposures-table")).toContainText("holdback: old behaviour");
  await expect(page.getByTestId("metric-table").locator('tr[data-metric="page_load_time"]')).toHaveAttribute("data-verdict", "harm");
});

test("a toggle with holdback 0 judges only absolute limits and shows a labelled before/after view", async ({ page, request }) => {
  const key = "e2e-no-holdback";
  await createExperiment(request, {
    key,
    name: "Toggle without holdback",
    strategy: "toggle",
    automation: "manual",
    rollout: { groups: [{ name: "admins", rule: { attribute: "role", op: "eq", value: "admin" } }], holdback: 0, minExposuresPerArm: 100, minDurationMinutes: 0 },
    metrics: { guardrails: [{ metric: "error_rate", limit: 0.05 }, { metric: "page_load_time" }] },
  });
  const users = Array.from({ length: 120 }, (_, i) => `e2e-nh-${i}`);
  const client = (path: string, data: unknown) => request.fetch(path, { method: "POST", headers: { authorization: `Bearer ${CLIENT_KEY}` }, data });
  const traffic = async (tag: string, at: number, loadMs: number) => {
    const events = users.flatMap((u) => [
      ...Array.from({ length: 10 }, (_, r) => ({ id: `${u}-${tag}-r${r}`, type: "request", userId: u, timestamp: at + r })),
      ...(u.endsWith("0") ? [{ id: `${u}-${tag}-e`, type: "error", userId: u, timestamp: at + 20 }] : []),
      { id: `${u}-${tag}-pl`, type: "page_load", userId: u, value: loadMs, timestamp: at + 30 },
    ]);
    for (let i = 0; i < events.length; i += 1000) expect((await client("/api/v1/events", { events: events.slice(i, i + 1000) })).status()).toBe(200);
  };
  await traffic("before", Date.now() - 20 * 60_000, 300);
  expect((await client("/api/v1/assign", { units: users.map((userId) => ({ userId, attributes: { role: "admin" } })) })).status()).toBe(200);
  await new Promise((r) => setTimeout(r, 50));
  await traffic("after", Date.now(), 330);
  // until every user's events are stored and the (cached) results have caught up
  await expect
    .poll(async () => (await adminCall(request, "GET", `/api/v1/experiments/${key}/results`)).body?.beforeAfter?.metrics?.find((m: { metric: string }) => m.metric === "page_load_time")?.pairedUsers, {
      timeout: 60_000,
    })
    .toBe(120);
  const evaluated = await adminCall(request, "POST", `/api/v1/experiments/${key}/evaluate`);
  expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
  await signIn(page, "rita");
  await page.goto(`/experiments/${key}`);
  const flag = page.getByTestId("decision-banner").locator('[data-reason-code="no_comparison"]');
  await expect(flag).toContainText("only absolute limits");
  await expect(flag).toContainText("not randomised");
  const card = page.getByTestId("before-after");
  await expect(card).toContainText("before/after (not randomised)");
  await expect(card).toContainText("Caveat");
  const load = card.locator('tr[data-metric="page_load_time"]');
  await expect(load).toContainText("120");
  await expect(load).toContainText("300 ms");
  await expect(load).toContainText("330 ms");
  await expect(load).toContainText("+10.0 %");
  await shoot(page, "toggle-before-after");
});

test("a blue-green without verification traffic says what to change and shows no ETA", async ({ page, request, baseURL }) => {
  const key = "e2e-idle-never-verified";
  await createExperiment(request, { key, name: "Idle side never verified", strategy: "blue_green", automation: "manual", rollout: { verificationShare: 0, minDurationMinutes: 0 } });
  await runSimulation({ transport: httpTransport({ baseUrl: baseURL!, clientKey: CLIENT_KEY }), experiment: key, users: 50, batchSize: 50, seed: 12, userPrefix: "e2e-idle-" });
  expect((await adminCall(request, "POST", `/api/v1/experiments/${key}/evaluate`)).status).toBe(200);
  await signIn(page, "rita");
  await page.goto(`/experiments/${key}`);
  const banner = page.getByTestId("decision-banner");
  await expect(banner).toHaveAttribute("data-recommendation", "hold");
  await expect(banner.locator('[data-reason-code="arm_cannot_fill"]')).toContainText("verificationShare");
  await expect(banner).not.toContainText("≈");
  await expect(banner).not.toContainText("at the current traffic");
});
