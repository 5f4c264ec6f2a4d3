/**
 * POST /api/v1/assign throughput and p99 latency against the production server (server.ts, as
 * `npm start`: Next.js plus the direct path of the client endpoints) with the embedded stores,
 * 32 concurrent connections (autocannon), 20 running experiments with targeting, exposures logged.
 * Baseline in the same run: the same load generator against a bare node:http server answering a
 * constant JSON body, i.e. what this machine's HTTP stack and load generator allow at all. For
 * reference, the same load against plain `next start` (the route through Next.js's pipeline),
 * which is why the production server has a direct path (src/server/http/hot-routes.ts).
 *
 *   npx tsx bench/assign.ts [seconds]
 */
import autocannon from "autocannon";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuilt, freePort, startNextServer } from "../test/helpers/next-server";

const CLIENT_KEY = "vd_cli_bench_client_key_00000000000000000";
const ADMIN_TOKEN = "vd_srv_bench_admin_token_0000000000000000";
const CONNECTIONS = 32;

export interface AssignBenchResult {
  assign: { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number };
  nextStart: { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number };
  baseline: { requestsPerSecond: number; p99Ms: number };
  ratio: number;
}

function experimentsFor(i: number) {
  const strategies = ["ab", "canary", "toggle", "rolling", "blue_green"] as const;
  const strategy = strategies[i % strategies.length];
  const targeting =
    i % 3 === 0
      ? {
          any: [
            { attribute: "role", op: "in", values: ["admin", "beta"] },
            { attribute: "appVersion", op: "semver_gte", value: "2.4.0" },
          ],
        }
      : i % 3 === 1
        ? { attribute: "region", op: "regex", value: "^eu-" }
        : null;
  return { key: `bench-${i}`, name: `Bench ${i}`, strategy, targeting: strategy === "blue_green" ? null : targeting };
}

async function load(url: string, seconds: number, body: (i: number) => string, headers: Record<string, string>) {
  let i = 0;
  const result = await autocannon({
    url,
    method: "POST",
    connections: CONNECTIONS,
    duration: seconds,
    headers: { "content-type": "application/json", ...headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body(i++) }) }],
  });
  return result;
}

/** Load against one server: the production server, or plain `next start` for reference. */
async function measure(seconds: number, nextStart: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), "verdict-bench-assign-"));
  const server = await startNextServer({
    dataDir,
    nextStart,
    env: { VERDICT_ADMIN_TOKEN: ADMIN_TOKEN, VERDICT_CLIENT_KEY: CLIENT_KEY, VERDICT_ADMIN_PASSWORD: "bench-password", VERDICT_SEED_DEMO: "false", VERDICT_EVALUATOR_INTERVAL_SECONDS: "0" },
  });
  try {
    for (let i = 0; i < 20; i++) {
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
      const created = await fetch(`${server.url}/api/v1/experiments`, { method: "POST", headers: auth, body: JSON.stringify(experimentsFor(i)) });
      if (created.status !== 201) throw new Error(`create failed: ${await created.text()}`);
      await fetch(`${server.url}/api/v1/experiments/bench-${i}/start`, { method: "POST", headers: auth, body: "{}" });
    }
    const unit = (i: number) =>
      JSON.stringify({
        userId: `user-${i}`,
        attributes: { role: ["admin", "beta", "user", "user"][i % 4], appVersion: `2.${i % 7}.0`, region: i % 2 ? "eu-west" : "us-east" },
        ...(process.env.BENCH_NO_LOG ? { log: false } : {}),
      });
    await load(`${server.url}/api/v1/assign`, 3, unit, { authorization: `Bearer ${CLIENT_KEY}` }); // warm-up
    const r = await load(`${server.url}/api/v1/assign`, seconds, unit, { authorization: `Bearer ${CLIENT_KEY}` });
    return { requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(seconds = 20): Promise<AssignBenchResult> {
  ensureBuilt();
  const assign = await measure(seconds, false);
  const nextStart = await measure(Math.min(seconds, 10), true);
  const unit = (i: number) => JSON.stringify({ userId: `user-${i}` });
  const bareBody = JSON.stringify({ assignments: [] });
  const bare = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(bareBody));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => bare.listen(port, "127.0.0.1", resolve));
  const b = await load(`http://127.0.0.1:${port}/`, seconds, unit, {});
  bare.close();

  const out: AssignBenchResult = {
    assign,
    nextStart,
    baseline: { requestsPerSecond: b.requests.average, p99Ms: b.latency.p99 },
    ratio: assign.requestsPerSecond / b.requests.average,
  };
  console.log(
    `assign:   ${out.assign.requestsPerSecond.toFixed(0)} req/s, p50 ${out.assign.p50Ms} ms, p99 ${out.assign.p99Ms} ms, non-2xx ${out.assign.non2xx} (production server, 20 experiments, ${CONNECTIONS} connections, ${seconds} s)`,
  );
  console.log(
    `next start: ${out.nextStart.requestsPerSecond.toFixed(0)} req/s, p50 ${out.nextStart.p50Ms} ms, p99 ${out.nextStart.p99Ms} ms (the same route through Next.js's pipeline, for reference)`,
  );
  console.log(`baseline: ${out.baseline.requestsPerSecond.toFixed(0)} req/s, p99 ${out.baseline.p99Ms} ms (bare node:http, same load generator)`);
  console.log(`ratio assign/baseline: ${out.ratio.toFixed(3)}   target: >= 3,000 req/s with p99 < 50 ms`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  run(Number(process.argv[2] ?? 20)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
