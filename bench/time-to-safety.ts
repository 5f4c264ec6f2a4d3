/**
 * Time to safety: from the moment the data shows harm to the moment the last connected client
 * evaluates control. The production server (server.ts, as `npm start`) on the embedded stores, at
 * default settings (the evaluator's timer at its 60 s; event-driven evaluation does the work).
 *
 *   npx tsx bench/time-to-safety.ts [clients ...]        (default: 1000 10000)
 *
 * Per client count:
 * - N clients hold GET /api/v1/sdk/stream open (raw SSE over node:http, one socket each);
 * - fan-out: a manual rollback of one canary and the kill switch of one toggle, each measured from
 *   sending the request to each client reading the snapshot that carries it (p50 / p99);
 * - harm: a canary at 5 % with auto-rollback gets simulated users through /assign and /events
 *   (healthy first; from t0 on, the treatment's error rate triples). Reported:
 *     t_stat     the earliest time the decision rule, replayed offline on the events received by
 *                then, rolls back (bench/time-to-safety-offline.ts): the statistical limit;
 *     t_decided  when the server's evaluator decided the rollback;
 *     t_clients  p50 / p99 over clients of when they read the rolled-back snapshot;
 *     overhead   t_clients(p99) - t_stat: what Verdict adds to what the statistics need (goal ≤ 2 s);
 * - the server's RSS with the N streams open.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpTransport, runSimulation } from "../src/simulator";
import { ensureBuilt, startNextServer, type NextServer } from "../test/helpers/next-server";
import { connectSse, type SseConnection } from "../test/helpers/sse";
import { peakRssKb } from "./process-rss";

const ADMIN = "vd_srv_bench_tts_admin_token_000000000000";
const CLIENT = "vd_cli_bench_tts_client_key_000000000000";
const HARM = "tts-canary";

interface Watch {
  conn: SseConnection;
  /** performance.now() at which this client first read a snapshot matching each named condition */
  seen: Map<string, number>;
}

type Condition = (snapshot: { experiments: { key: string; status: string; enabled?: boolean }[] }) => boolean;
const conditions = new Map<string, Condition>();

function watchAll(watches: Watch[]): void {
  for (const w of watches) {
    let read = 0;
    const check = () => {
      for (; read < w.conn.events.length; read++) {
        const ev = w.conn.events[read];
        if (ev.event !== "snapshot" || conditions.size === 0) continue;
        const snap = JSON.parse(ev.data) as Parameters<Condition>[0];
        for (const [name, cond] of conditions) if (!w.seen.has(name) && cond(snap)) w.seen.set(name, ev.at);
      }
    };
    // SseConnection wakes waiters on every chunk; poll its events cheaply instead of patching it
    const timer = setInterval(check, 5);
    timer.unref();
    (w as Watch & { stop?: () => void }).stop = () => clearInterval(timer);
  }
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (x: number) => `${Math.round(x)} ms`;

async function api(server: NextServer, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Sends the change and measures each client's receipt of the snapshot satisfying `cond`. */
async function fanOut(server: NextServer, watches: Watch[], name: string, cond: Condition, send: () => Promise<unknown>) {
  conditions.set(name, cond);
  const sentAt = performance.now();
  await send();
  await waitFor(() => watches.every((w) => w.seen.has(name)), 30_000);
  const lat = watches.filter((w) => w.seen.has(name)).map((w) => w.seen.get(name)! - sentAt);
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), missed: watches.length - lat.length };
}

async function run(clients: number, log: (l: string) => void) {
  const dataDir = mkdtempSync(join(tmpdir(), "verdict-bench-tts-"));
  const server = await startNextServer({ dataDir, timeoutMs: 180_000, env: { VERDICT_SEED_DEMO: "false", VERDICT_ADMIN_TOKEN: ADMIN, VERDICT_CLIENT_KEY: CLIENT } });
  try {
    const everyone = [{ name: "everyone", rule: null, percentage: 100 }];
    await api(server, "POST", "/api/v1/experiments", { key: HARM, name: "Time to safety: harm", strategy: "canary", automation: "auto-rollback" });
    await api(server, "POST", "/api/v1/experiments", { key: "tts-manual", name: "Time to safety: manual rollback", strategy: "canary", automation: "manual" });
    await api(server, "POST", "/api/v1/experiments", { key: "tts-toggle", name: "Time to safety: kill switch", strategy: "toggle", automation: "manual", rollout: { groups: everyone } });
    for (const key of [HARM, "tts-manual", "tts-toggle"]) await api(server, "POST", `/api/v1/experiments/${key}/start`, {});

    log(`  connecting ${clients} streams ...`);
    const watches: Watch[] = [];
    for (let i = 0; i < clients; i += 500) {
      const part = await Promise.all(Array.from({ length: Math.min(500, clients - i) }, () => connectSse(`${server.url}/api/v1/sdk/stream?key=${CLIENT}`)));
      for (const conn of part) watches.push({ conn, seen: new Map() });
    }
    await waitFor(() => watches.every((w) => w.conn.events.length > 0), 60_000);
    watchAll(watches);
    const rssMb = peakRssKb(server.pid) / 1024;

    const status =
      (key: string, s: string): Condition =>
      (snap) =>
        snap.experiments.some((e) => e.key === key && e.status === s);
    const manual = await fanOut(server, watches, "manual", status("tts-manual", "rolled_back"), () =>
      api(server, "POST", "/api/v1/experiments/tts-manual/rollback", { reason: "bench: manual rollback fan-out" }),
    );
    log(`  manual rollback fan-out: p50 ${ms(manual.p50)}, p99 ${ms(manual.p99)}, missed ${manual.missed}`);
    const kill = await fanOut(
      server,
      watches,
      "kill",
      (snap) => snap.experiments.some((e) => e.key === "tts-toggle" && e.enabled === false),
      () => api(server, "POST", "/api/v1/experiments/tts-toggle/kill", { reason: "bench: kill switch fan-out" }),
    );
    log(`  kill switch fan-out:     p50 ${ms(kill.p50)}, p99 ${ms(kill.p99)}, missed ${kill.missed}`);

    // Harm: healthy traffic first, then the treatment's error rate triples at t0.
    const experimentBefore = await api(server, "GET", `/api/v1/experiments/${HARM}`);
    const transport = httpTransport({ baseUrl: server.url, clientKey: CLIENT });
    const common = { transport, experiment: HARM, experiments: [HARM], onlyExposed: true, batchSize: 1000, concurrency: 4 };
    log("  healthy traffic ...");
    await runSimulation({ ...common, users: 20_000, seed: 1, userPrefix: "healthy-" });
    conditions.set("harm", status(HARM, "rolled_back"));
    const t0 = Date.now();
    const t0Perf = performance.now();
    log("  t0: the treatment's error rate triples ...");
    const harm = await runSimulation({
      ...common,
      users: 2_000_000,
      seed: 2,
      userPrefix: "harmed-",
      effects: { treatment: { errorRate: 3 } },
      onBatch: () => (watches.some((w) => w.seen.has("harm")) || performance.now() - t0Perf > 240_000 ? "stop" : undefined),
    });
    await waitFor(() => watches.every((w) => w.seen.has("harm")), 30_000);
    const decision = await api(server, "GET", `/api/v1/experiments/${HARM}/decision`);
    const tDecided = Date.parse(String(decision.evaluatedAt)) - t0;
    const clientsAt = watches.filter((w) => w.seen.has("harm")).map((w) => w.seen.get("harm")! - t0Perf);
    log(`  decided ${decision.recommendation} (${String(decision.action ?? "no action")}) at t0 + ${ms(tDecided)}; ${harm.users} harmed users sent`);
    // the server's own stored → decision figure (health, /api/metrics): every decision the traffic's events caused
    const live = ((await api(server, "GET", "/api/health")) as { evaluator: { storedToDecision: Record<string, number | null> } }).evaluator.storedToDecision;
    log(`  the server's own stored → decision figure (last 5 min): ${live.withinBound} of ${live.evaluations} within 2 s, p50 ${live.p50Ms} ms, p99 ${live.p99Ms} ms, max ${live.maxMs} ms`);
    await server.stop();

    // The statistical limit, offline, on what the server had received.
    const exportFile = join(dataDir, "events.jsonl");
    const experimentFile = join(dataDir, "experiment.json");
    writeFileSync(experimentFile, JSON.stringify(experimentBefore));
    const tsx = join(process.cwd(), "node_modules/.bin/tsx");
    const child = (args: string[], dir: string) => {
      const r = spawnSync(tsx, ["bench/time-to-safety-offline.ts", ...args], {
        encoding: "utf8",
        env: { ...process.env, VERDICT_DATA_DIR: dir, DATABASE_URL: "", CLICKHOUSE_URL: "", VERDICT_SEED_DEMO: "false" },
        maxBuffer: 64 << 20,
      });
      if (r.status !== 0) throw new Error(`offline ${args[0]} failed: ${r.stderr.slice(-2000)}`);
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, number | null>;
    };
    child(["export", exportFile], dataDir);
    const fresh = mkdtempSync(join(tmpdir(), "verdict-bench-tts-replay-"));
    const offline = child(["replay", exportFile, experimentFile, String(t0), String(t0 + tDecided + 5_000), "250"], fresh);
    rmSync(fresh, { recursive: true, force: true });
    const tStat = offline.tStat === null ? NaN : (offline.tStat as number) - t0;
    const p99 = quantile(clientsAt, 0.99);
    const result = {
      clients,
      serverRssMb: Math.round(rssMb),
      manualRollback: manual,
      killSwitch: kill,
      tStatMs: tStat,
      tDecidedMs: tDecided,
      tClientsP50Ms: quantile(clientsAt, 0.5),
      tClientsP99Ms: p99,
      clientsMissed: watches.length - clientsAt.length,
      overheadMs: p99 - tStat,
      storedToDecision: live,
    };
    log(
      `  t_stat t0 + ${ms(tStat)} (offline replay, 250 ms steps) | t_decided t0 + ${ms(tDecided)} | t_clients p50 t0 + ${ms(result.tClientsP50Ms)}, p99 t0 + ${ms(p99)} (missed ${result.clientsMissed})`,
    );
    log(`  overhead t_clients(p99) - t_stat = ${ms(result.overheadMs)} (goal ≤ 2 s); server RSS with ${clients} streams ${result.serverRssMb} MB`);
    for (const w of watches) w.conn.close();
    return result;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const counts = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  ensureBuilt();
  const results = [];
  for (const n of counts.length ? counts : [1000, 10_000]) {
    console.log(`\n--- ${n} connected clients`);
    results.push(await run(n, console.log));
  }
  console.log(`\n${JSON.stringify(results)}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
