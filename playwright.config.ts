// End-to-end tests in Debian's Chromium against the production server (server.ts, as `npm start`) on a fresh data directory.
// The config module is evaluated in the runner and again in each worker: the port and data directory
// are chosen once and handed down through the environment, which workers inherit.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_TOKEN, CLIENT_KEY } from "./e2e/env";

if (!process.env.VERDICT_E2E_PORT) {
  // runner process only: remove data directories of earlier runs (over an hour old, so a run in
  // progress elsewhere on the machine keeps its own)
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name);
    if (name.startsWith("verdict-e2e-") && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
  const script = "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  process.env.VERDICT_E2E_PORT = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
}
process.env.VERDICT_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "verdict-e2e-"));
const port = process.env.VERDICT_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    viewport: { width: 1366, height: 900 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  webServer: {
    command: "node_modules/.bin/tsx e2e/serve.ts",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env: {
      PORT: port,
      // a fresh data directory with the embedded stores, whatever servers the environment names
      // (CI sets DATABASE_URL for the integration tests; its database outlives each run)
      DATABASE_URL: "",
      CLICKHOUSE_URL: "",
      VERDICT_DATA_DIR: process.env.VERDICT_E2E_DATA_DIR,
      VERDICT_ADMIN_PASSWORD: ADMIN_PASSWORD,
      VERDICT_ADMIN_TOKEN: ADMIN_TOKEN,
      VERDICT_CLIENT_KEY: CLIENT_KEY,
      VERDICT_SEED_DEMO: "false",
      VERDICT_RESULTS_CACHE_SECONDS: "1",
      VERDICT_EVALUATOR_INTERVAL_SECONDS: "2",
    },
  },
});
