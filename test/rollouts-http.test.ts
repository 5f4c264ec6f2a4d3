// The whole server process: `next start` on a fresh data directory with the demo seed on. The seed
// must fill the dashboard's experiment within seconds of start and finish (in the background,
// through the route handlers bundled into the server), the simulator CLI drives more traffic over HTTP with the
// client key, an evaluation runs over HTTP, and /api/metrics shows all of it to a scraper.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, startNextServer, type NextServer } from "./helpers/next-server";

const dataDir = process.env.VERDICT_DATA_DIR!; // fresh per test file; only the server opens it
let server: NextServer | undefined;

afterAll(async () => {
  await server?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server!.url}${path}`, { ...init, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers } });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

function simulateCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(process.cwd(), "node_modules/.bin/tsx"), ["scripts/simulate.ts", ...args], { env: { ...process.env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("next start with the demo seed, the simulator CLI and /api/metrics", () => {
  it("shows demo data soon after start, takes CLI traffic over HTTP, and exposes it to Prometheus", { timeout: 900_000 }, async () => {
    ensureBuilt();
    server = await startNextServer({ dataDir, env: { VERDICT_SEED_DEMO: "true", VERDICT_SEED_DEMO_USERS: "1000", VERDICT_EVALUATOR_INTERVAL_SECONDS: "0" } });
    const started = Date.now();
    // the seed runs in the background: poll the results the dashboard reads
    let byVariant: Record<string, number> = {};
    while (Date.now() - started < 60_000) {
      const res = await api("/api/v1/experiments/realtime-tracking/results");
      if (res.status === 200) byVariant = res.body.exposures.byVariant;
      if ((byVariant.control ?? 0) > 0 && (byVariant.treatment ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(byVariant.control, server.output()).toBeGreaterThan(0);
    expect(byVariant.treatment).toBeGreaterThan(0);
    expect(server.output()).not.toMatch(/demo seed failed/);
    // the seed replays past hours with its own clock: the traffic and evaluation below come after it
    while (Date.now() - started < 240_000 && !/\[verdict\] demo seed (done|failed)/.test(server.output())) await new Promise((r) => setTimeout(r, 500));
    expect(server.output()).toMatch(/\[verdict\] demo seed done/);

    const cli = await simulateCli([
      "--experiment",
      "realtime-tracking",
      "--users",
      "400",
      "--treatment-error-rate",
      "2x",
      "--engagement-lift",
      "10%",
      "--base-url",
      server.url,
      "--client-key",
      TEST_CLIENT_KEY,
      "--seed",
      "9",
    ]);
    expect(cli.code, cli.output).toBe(0);
    expect(cli.output).toMatch(/\[simulate\] done in .* events accepted .* 0 rejected/);

    const decision = await api("/api/v1/experiments/realtime-tracking/evaluate", { method: "POST", body: "{}" });
    expect(decision.status).toBe(200);
    expect(["promote", "hold", "rollback"]).toContain(decision.body.recommendation);
    // the demo canary is auto-rollback: it acts on a rollback only, never promotes by itself
    if (decision.body.recommendation === "rollback") expect(decision.body.action).toMatch(/rolled back/);
    else expect(decision.body.action).toBeNull();

    const metrics = await api("/api/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^verdict_ingest_events_accepted_total\{source="api"\} [1-9]/m);
    expect(metrics.body).toMatch(/^verdict_ingest_events_accepted_total\{source="server"\} [1-9]/m);
    expect(metrics.body).toMatch(new RegExp(`^verdict_experiment_recommendation\\{experiment="realtime-tracking",recommendation="${decision.body.recommendation}"\\} 1$`, "m"));
    expect(metrics.body).toMatch(/^verdict_experiment_metric_value\{experiment="realtime-tracking",variant="treatment",metric="feedback_score",role="guardrail"\} [1-5]/m);
    expect(metrics.body).toMatch(/^verdict_clickhouse_duration_seconds_count\{operation="query",outcome="ok"\} [1-9]/m);
  });
});
