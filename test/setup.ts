// Each test file (its own process: chDB binds one data directory per process) gets a fresh data
// directory whose config store is a copy of the migrated template (test/global-setup.ts).
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_ADMIN_PASSWORD, TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";

const dataDir = mkdtempSync(join(tmpdir(), "verdict-test-"));
process.env.VERDICT_DATA_DIR = dataDir;
if (process.env.VERDICT_TEST_PG_TEMPLATE) cpSync(process.env.VERDICT_TEST_PG_TEMPLATE, join(dataDir, "postgres"), { recursive: true });

// The Postgres server of CI is used only by the tests written for it (test/postgres-server.test.ts).
if (process.env.DATABASE_URL) {
  process.env.VERDICT_TEST_POSTGRES_URL = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
}
if (process.env.CLICKHOUSE_URL) {
  process.env.VERDICT_TEST_CLICKHOUSE_URL = process.env.CLICKHOUSE_URL;
  delete process.env.CLICKHOUSE_URL;
}
process.env.VERDICT_ADMIN_PASSWORD = TEST_ADMIN_PASSWORD;
process.env.VERDICT_ADMIN_TOKEN = TEST_ADMIN_TOKEN;
process.env.VERDICT_CLIENT_KEY = TEST_CLIENT_KEY;
process.env.VERDICT_EVALUATOR_INTERVAL_SECONDS = "0";
process.env.VERDICT_SEED_DEMO = "false";
