// Startup with a store that cannot be reached exits non-zero with one line naming the variable.
// scripts/migrate.ts runs the same boot() as the server process (instrumentation-node.ts).
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function migrate(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "verdict-startup-"));
  // start from the migrated, empty template (test/global-setup.ts): initdb alone takes many seconds
  if (process.env.VERDICT_TEST_PG_TEMPLATE) cpSync(process.env.VERDICT_TEST_PG_TEMPLATE, join(dataDir, "postgres"), { recursive: true });
  const res = spawnSync(join(process.cwd(), "node_modules/.bin/tsx"), ["scripts/migrate.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", VERDICT_DATA_DIR: dataDir, VERDICT_SEED_DEMO: "false", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  const lines = res.stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("[verdict]"));
  return { status: res.status, lines, stdout: res.stdout, dataDir };
}

describe("startup", () => {
  it("fails fast on an unreachable DATABASE_URL", () => {
    const r = migrate({ DATABASE_URL: "postgres://verdict:pw@127.0.0.1:1/verdict" });
    expect(r.status).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/Cannot connect to Postgres server at postgres:\/\/verdict:\*\*\*@127\.0\.0\.1:1\/verdict \(DATABASE_URL\)/);
  });

  it("fails fast on an unreachable CLICKHOUSE_URL", () => {
    const r = migrate({ CLICKHOUSE_URL: "http://127.0.0.1:1" });
    expect(r.status).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/Cannot connect to ClickHouse server at http:\/\/127\.0\.0\.1:1 \(CLICKHOUSE_URL/);
  });

  it("names a malformed variable", () => {
    const r = migrate({ DATABASE_URL: "mysql://nope" });
    expect(r.status).toBe(1);
    expect(r.lines[0]).toMatch(/Invalid environment variable DATABASE_URL: must start with postgres/);
  });

  it("migrates a fresh data directory and prints the generated credentials once", () => {
    const r = migrate({});
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/admin user: {2}admin \/ \S+/);
    expect(r.stdout).toMatch(/client key \(assign \+ events\): +vd_cli_/);
    const file = join(r.dataDir, "initial-credentials.env");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toMatch(/^export VERDICT_ADMIN_TOKEN='vd_srv_\S+'$/m);
    // sourced, it reaches child processes (npm run simulate reads VERDICT_CLIENT_KEY)
    const child = spawnSync("bash", ["-c", `source "${file}" && node -e 'process.stdout.write(process.env.VERDICT_CLIENT_KEY ?? "")'`], { encoding: "utf8" });
    expect(child.stdout).toMatch(/^vd_cli_\S+$/);
  });

  it("quotes a password with shell characters in the credentials file", () => {
    const password = `it's "$HOME" \`x\` $(true)`;
    const r = migrate({ VERDICT_ADMIN_PASSWORD: password });
    expect(r.status).toBe(0);
    const file = join(r.dataDir, "initial-credentials.env");
    const child = spawnSync("bash", ["-c", `source "${file}" && node -e 'process.stdout.write(process.env.VERDICT_ADMIN_PASSWORD ?? "")'`], { encoding: "utf8" });
    expect(child.stdout).toBe(password);
  });
});
