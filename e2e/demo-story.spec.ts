// The first run tells the story: `npm start` on a fresh data directory with the demo seed on (the
// default) prints `ready` saying the seed still runs, then `demo seed done`; by then every strategy
// is in its state, with two days of history, and the evaluator's passes afterwards move nothing.
// Its own production server (the shared one runs with the seed off).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { startNextServer, type NextServer } from "../test/helpers/next-server";
import { ADMIN_PASSWORD, ADMIN_TOKEN, ADMIN_USER, CLIENT_KEY } from "./env";

let server: NextServer;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  const dataDir = mkdtempSync(join(tmpdir(), "verdict-e2e-demo-"));
  server = await startNextServer({
    dataDir,
    timeoutMs: 120_000,
    env: {
      DATABASE_URL: "",
      CLICKHOUSE_URL: "",
      VERDICT_SEED_DEMO: "true",
      VERDICT_ADMIN_PASSWORD: ADMIN_PASSWORD,
      VERDICT_ADMIN_TOKEN: ADMIN_TOKEN,
      VERDICT_CLIENT_KEY: CLIENT_KEY,
      VERDICT_EVALUATOR_INTERVAL_SECONDS: "3",
    },
  });
  await expect.poll(() => server.output(), { timeout: 240_000, intervals: [1000] }).toMatch(/\[verdict\] demo seed (done|failed)/);
});

test.afterAll(async () => {
  await server?.stop();
});

async function api(request: APIRequestContext, path: string) {
  const res = await request.get(`${server.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status(), path).toBe(200);
  return res.json();
}

async function states(request: APIRequestContext) {
  const { experiments } = await api(request, "/api/v1/experiments");
  return Object.fromEntries(
    (experiments as { key: string; status: string; state: { stageIndex: number; exposure: number; live: string | null } }[]).map((e) => [
      e.key,
      { status: e.status, stageIndex: e.state.stageIndex, exposure: e.state.exposure, live: e.state.live },
    ]),
  );
}

test("ready says the seed is running; then every strategy is in its state, and stays there", async ({ request }) => {
  const log = server.output();
  const ready = log.indexOf("ready: sign in at");
  expect(ready, log).toBeGreaterThanOrEqual(0);
  expect(log.slice(ready).split("\n")[0]).toMatch(/demo seed is still running/);
  expect(log.indexOf("[verdict] demo seed done"), log).toBeGreaterThan(ready);

  const seeded = await states(request);
  expect(seeded, log).toMatchObject({
    "realtime-tracking": { status: "running", stageIndex: 1, exposure: 20 },
    "menu-photos-hd": { status: "rolled_back" },
    "checkout-button-copy": { status: "running" },
    "search-service-v2": { status: "promoted", live: "green" },
    "api-v42": { status: "rolled_back" },
    "dark-mode": { status: "running", stageIndex: 0 },
  });
  const ab = await api(request, "/api/v1/experiments/checkout-button-copy/decision");
  expect(ab).toMatchObject({ recommendation: "promote", winner: "treatment" });

  // the decisions, audit log and webhook deliveries have entries
  const { decisions } = await api(request, "/api/v1/decisions?limit=200");
  expect(decisions.length).toBeGreaterThan(10);
  expect(decisions.some((d: { action: string | null }) => /rolled back/.test(d.action ?? ""))).toBe(true);
  const audit = await api(request, "/api/v1/audit?limit=200");
  expect(audit.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["experiment.created", "experiment.started", "experiment.promoted", "experiment.rolled_back"]));
  const { webhooks } = await api(request, "/api/v1/webhooks");
  expect(webhooks).toHaveLength(1);
  const { deliveries } = await api(request, `/api/v1/webhooks/${webhooks[0].id}/deliveries`);
  expect(deliveries.length).toBeGreaterThan(0);
  // the demo channel's host never resolves: deliveries fail visibly and are retried
  await expect
    .poll(
      async () =>
        ((await api(request, `/api/v1/webhooks/${webhooks[0].id}/deliveries`)).deliveries as { attempts: number; lastError: string | null }[]).some((d) => d.attempts >= 1 && d.lastError !== null),
      { timeout: 60_000 },
    )
    .toBe(true);

  // two evaluator passes later nothing has moved on its own
  const runs = async () => (await api(request, "/api/health")).evaluator.runs as number;
  const before = await runs();
  await expect.poll(runs, { timeout: 60_000 }).toBeGreaterThanOrEqual(before + 2);
  expect(await states(request)).toEqual(seeded);
});

test("realtime-tracking's results show two days of hourly buckets", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(ADMIN_USER);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/experiments$/);
  for (const key of ["realtime-tracking", "menu-photos-hd", "checkout-button-copy", "search-service-v2", "api-v42", "dark-mode"]) {
    await expect(page.getByRole("row", { name: new RegExp(`\\b${key}\\b`) })).toBeVisible();
  }
  await page.goto("/experiments/realtime-tracking");
  for (const id of ["cumulative", "exposures"]) {
    const chart = page.getByTestId(`chart-${id}`);
    await chart.scrollIntoViewIfNeeded();
    await expect(chart.getByRole("application")).toBeVisible();
    // x-axis ticks are "MM-DD HH:MM": more than one day
    const ticks = await chart.getByText(/^\d\d-\d\d \d\d:\d\d$/).allTextContents();
    expect(new Set(ticks.map((t) => t.slice(0, 5))).size, ticks.join(", ")).toBeGreaterThanOrEqual(2);
  }
  // the README's screenshot is this page of the demo (VERDICT_UPDATE_SCREENSHOTS=1 refreshes it)
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: test.info().outputPath("realtime-tracking.png"), fullPage: true });
  if (process.env.VERDICT_UPDATE_SCREENSHOTS === "1") await page.screenshot({ path: "docs/screenshots/experiment.png", fullPage: true });
  for (const path of ["/decisions", "/audit", "/webhooks"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  await context.close();
});
