/**
 * Ingestion throughput: POST /api/v1/events on the production server (server.ts, as `npm start`: Next.js
 * plus the direct path of the client endpoints) with the embedded stores, against the
 * rate of inserting the same events straight through @clickhouse/client on chDB.
 *
 *   npx tsx bench/ingest.ts [seconds] [--mode spool|direct|both]
 *
 * Server side: 32 concurrent connections (autocannon) post batches of 100 realistic events (fresh
 * ids per request) for 30 s; reported: events/s acknowledged, p50/p99 latency, the server's peak
 * RSS, and how long the spool took to drain afterwards (so an acknowledgement rate the store could
 * not keep up with shows). Baseline: a separate process (chDB binds one data directory per process)
 * inserts the same rows with client.insert(JSONEachRow) in batches of 10,000, one at a time (the
 * issue's baseline), then, for comparison, as pre-serialised payloads through the store module's
 * raw inserter, the path the pipeline itself takes (src/db/clickhouse/client.ts).
 * Both run on the same machine in the same run; the ratio is what the target is about.
 */
import autocannon from "autocannon";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuilt, startNextServer, type NextServer } from "../test/helpers/next-server";
import { eventBatch } from "../test/helpers/ingest-events";
import { peakRssKb } from "./process-rss";

const CLIENT_KEY = "vd_cli_bench_client_key_00000000000000000";
const ADMIN_TOKEN = "vd_srv_bench_admin_token_0000000000000000";
const EXPERIMENT = "realtime-tracking";
const BATCH = 100;
const CONNECTIONS = 32;
const DIRECT_BATCH = 10_000;

export interface ServerFigures {
  mode: string;
  seconds: number;
  requests: number;
  non2xx: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  drainSeconds: number;
}

export interface IngestBenchResult {
  server: ServerFigures[];
  direct: { rows: number; seconds: number; eventsPerSecond: number; raw: { rows: number; seconds: number; eventsPerSecond: number } };
  ratio: number;
}

async function benchServer(mode: string, seconds: number, log: (l: string) => void): Promise<ServerFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), "verdict-bench-ingest-"));
  let server: NextServer | undefined;
  try {
    server = await startNextServer({
      dataDir,
      env: { VERDICT_INGEST_MODE: mode, VERDICT_SEED_DEMO: "false", VERDICT_CLIENT_KEY: CLIENT_KEY, VERDICT_ADMIN_TOKEN: ADMIN_TOKEN },
      timeoutMs: 120_000,
    });
    const created = await fetch(`${server.url}/api/v1/experiments`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ key: EXPERIMENT, name: "Real-time tracking", strategy: "canary" }),
    });
    if (created.status !== 201) throw new Error(`creating the experiment: HTTP ${created.status} ${await created.text()}`);
    // Warm-up: compile the route, load the catalog, open the spool.
    for (let i = 0; i < 20; i++) await post(server.url, JSON.stringify({ events: eventBatch(BATCH, { experiment: EXPERIMENT }) }));

    const template = eventBatch(BATCH, { experiment: EXPERIMENT, users: 50_000, seed: 1 });
    let n = 0;
    const pgid = server.pid;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssKb(pgid))), 500);
    log(`  [${mode}] ${CONNECTIONS} connections x ${BATCH}-event batches for ${seconds} s ...`);
    const result = await autocannon({
      url: `${server.url}/api/v1/events`,
      connections: CONNECTIONS,
      duration: seconds,
      method: "POST",
      headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json" },
      requests: [
        {
          setupRequest: (req) => {
            const k = n++;
            const now = Date.now();
            const events = template.map((e, i) => ({ ...e, id: `b${k}-${i}`, timestamp: now }));
            return { ...req, body: JSON.stringify({ events }) };
          },
        },
      ],
    });
    clearInterval(sampler);
    peak = Math.max(peak, peakRssKb(pgid));
    const drainStart = Date.now();
    for (;;) {
      const h = (await (await fetch(`${server.url}/api/health`)).json()) as { ingestion?: { spool: { depthEvents: number } } };
      if ((h.ingestion?.spool.depthEvents ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const ok = result["2xx"];
    return {
      mode,
      seconds: result.duration,
      requests: ok,
      non2xx: result.non2xx + result.errors,
      eventsPerSecond: (ok * BATCH) / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      peakRssMb: peak / 1024,
      drainSeconds: (Date.now() - drainStart) / 1000,
    };
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/events`, { method: "POST", headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json" }, body });
  if (res.status !== 200) throw new Error(`warm-up POST: HTTP ${res.status} ${await res.text()}`);
}

/** Runs in a child process: the store's own insert rate for the same rows (see file comment). */
async function directChild(seconds: number): Promise<void> {
  const { migrateEventStore } = await import("../src/db/clickhouse/migrate");
  const { getClickHouse, getPayloadInserter } = await import("../src/db/clickhouse/client");
  const { serializeRows } = await import("../src/server/ingestion/rows");
  const { validateEvents } = await import("../src/server/ingestion/validate");
  await migrateEventStore();
  const client = await getClickHouse();
  const insertPayload = await getPayloadInserter();
  const template = validateEvents(eventBatch(DIRECT_BATCH, { experiment: EXPERIMENT, users: 50_000, seed: 1 }), { receivedAt: Date.now(), catalog: { has: () => "ok" } }).rows;
  let k = 0;
  const measure = async (insert: (values: typeof template) => Promise<void>) => {
    let rows = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 500) {
      const values = template.map((r, i) => ({ ...r, id: `d${k}-${i}` }));
      k++;
      await insert(values);
      rows += values.length;
    }
    const elapsed = (performance.now() - started) / 1000;
    return { rows, seconds: elapsed, eventsPerSecond: rows / elapsed };
  };
  const viaClient = await measure((values) => client.insert({ table: "events", values, format: "JSONEachRow" }).then(() => undefined));
  const raw = await measure((values) => insertPayload("events", "JSONEachRow", serializeRows(values), { async_insert: 0, input_format_json_read_objects_as_strings: 1 }));
  console.log(JSON.stringify({ ...viaClient, raw }));
}

function benchDirect(seconds: number): IngestBenchResult["direct"] {
  const dataDir = mkdtempSync(join(tmpdir(), "verdict-bench-direct-"));
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "--direct-child", String(seconds)], {
      env: { ...process.env, VERDICT_DATA_DIR: dataDir, CLICKHOUSE_URL: "" },
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) throw new Error(`direct insert child failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as IngestBenchResult["direct"];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(opts: { seconds?: number; modes?: string[]; log?: (line: string) => void } = {}): Promise<IngestBenchResult> {
  const seconds = opts.seconds ?? 30;
  const log = opts.log ?? ((l: string) => console.error(l));
  ensureBuilt();
  const server: ServerFigures[] = [];
  for (const mode of opts.modes ?? ["spool"]) server.push(await benchServer(mode, seconds, log));
  log(`  direct inserts for ${Math.min(seconds, 20)} s (half @clickhouse/client, half raw payloads) ...`);
  const direct = benchDirect(Math.min(seconds, 20));
  const result = { server, direct, ratio: server[0].eventsPerSecond / direct.eventsPerSecond };
  console.log(format(result));
  return result;
}

export function format(r: IngestBenchResult): string {
  const rate = (x: number) => `${Math.round(x).toLocaleString("en")} events/s`;
  const lines = ["Ingestion: POST /api/v1/events on the production server (server.ts, embedded chDB), 32 connections x 100-event batches"];
  for (const s of r.server) {
    lines.push(
      `  mode=${s.mode.padEnd(6)} ${rate(s.eventsPerSecond)} acknowledged (${s.requests.toLocaleString("en")} requests in ${s.seconds.toFixed(1)} s, ${s.non2xx} non-2xx/errors)`,
      `                p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, server peak RSS ${Math.round(s.peakRssMb)} MB, spool drained ${s.drainSeconds.toFixed(1)} s after the load`,
      `                ratio to direct insert ${(s.eventsPerSecond / r.direct.eventsPerSecond).toFixed(2)} (target >= 0.5), target >= 100,000 events/s: ${s.eventsPerSecond >= 100_000 ? "met" : "NOT met"}`,
    );
  }
  lines.push(
    `  direct client.insert (JSONEachRow, ${DIRECT_BATCH.toLocaleString("en")}-row batches): ${rate(r.direct.eventsPerSecond)} (${r.direct.rows.toLocaleString("en")} rows in ${r.direct.seconds.toFixed(1)} s)`,
  );
  lines.push(
    `  direct raw payload insert (the pipeline's own path, same batches): ${rate(r.direct.raw.eventsPerSecond)}; acknowledged/raw ${(r.server[0].eventsPerSecond / r.direct.raw.eventsPerSecond).toFixed(2)}`,
  );
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "--direct-child") {
    void directChild(Number(process.argv[3]));
  } else {
    const args = process.argv.slice(2);
    const seconds = args[0] && /^\d+$/.test(args[0]) ? Number(args[0]) : undefined;
    const m = args.indexOf("--mode");
    const mode = m >= 0 ? args[m + 1] : "spool";
    void run({ seconds, modes: mode === "both" ? ["spool", "direct"] : [mode] });
  }
}
