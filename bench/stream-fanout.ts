/**
 * Snapshot stream fan-out on the production server (server.ts, embedded stores): N concurrent
 * GET /api/v1/sdk/stream connections (1,000, then 10,000), an experiment change made through the
 * API (pause / resume), and for every stream the time from sending that request to reading the new
 * snapshot event. Also the server's RSS per stream (RSS with N streams minus RSS before, over N).
 * Baseline in the same run: a bare node:net server (its own process) writing the same frame to N
 * raw sockets held by the same client code; the ratio is stream p99 / baseline p99.
 *
 *   npx tsx bench/stream-fanout.ts [streams ...]     (default: 1000 10000; or npm run bench -- stream)
 *
 * Needs `ulimit -n` above the stream count plus ~200 in the shell that runs it (the client holds
 * N sockets, the server process N more; both inherit the limit). This machine allows 20,000.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuilt, freePort, startNextServer } from "../test/helpers/next-server";

const CLIENT_KEY = "vd_cli_bench_client_key_00000000000000000";
const ADMIN_TOKEN = "vd_srv_bench_admin_token_0000000000000000";
const ROUNDS = 3;
const MARKER = "event: snapshot";

interface Fleet {
  sockets: Socket[];
  /** snapshot events seen per socket */
  seen: Int32Array;
  /** performance.now() when socket i saw event number `target` */
  at: Float64Array;
  target: number;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

/** Opens n raw connections sending `request`, counting snapshot events in what each receives. */
async function openFleet(port: number, n: number, request: string): Promise<Fleet> {
  const fleet: Fleet = { sockets: [], seen: new Int32Array(n), at: new Float64Array(n), target: 1 };
  for (let i = 0; i < n; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, (_, j) => {
        const idx = i + j;
        return new Promise<void>((resolve, reject) => {
          const s = connect(port, "127.0.0.1");
          let tail = "";
          s.setEncoding("latin1");
          s.on("connect", () => s.write(request));
          s.on("data", (chunk: string) => {
            const text = tail + chunk;
            let k = -1;
            while ((k = text.indexOf(MARKER, k + 1)) >= 0) {
              if (++fleet.seen[idx] === fleet.target) fleet.at[idx] = performance.now();
            }
            tail = text.slice(-MARKER.length + 1);
            if (fleet.seen[idx] >= 1) resolve();
          });
          s.on("error", reject);
          fleet.sockets.push(s);
        });
      }),
    );
  }
  return fleet;
}

async function waitAll(fleet: Fleet, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let missing = 0;
    for (let i = 0; i < fleet.seen.length; i++) if (fleet.seen[i] < fleet.target) missing++;
    if (missing === 0 || Date.now() > deadline) return missing;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function percentiles(fleet: Fleet, t0: number): { p50: number; p99: number; max: number } {
  const d = Array.from(fleet.at, (t) => t - t0).sort((a, b) => a - b);
  const q = (p: number) => d[Math.min(d.length - 1, Math.floor(p * d.length))];
  return { p50: q(0.5), p99: q(0.99), max: d[d.length - 1] };
}

function closeFleet(fleet: Fleet): void {
  for (const s of fleet.sockets) s.destroy();
}

/** The bare baseline server (own process): holds sockets, writes the frame it is POSTed to all. */
function baselineServer(port: number, controlPort: number): void {
  const sockets = new Set<Socket>();
  createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    s.once("data", () => s.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n" + `${MARKER}\nid: "0"\ndata: {}\n\n`));
  }).listen(port, "127.0.0.1");
  createServer((c) => {
    const chunks: Buffer[] = [];
    c.on("data", (b: Buffer) => {
      chunks.push(b);
      const all = Buffer.concat(chunks);
      const len = all.readUInt32BE(0);
      if (all.length < 4 + len) return;
      const frame = all.subarray(4, 4 + len);
      for (const s of sockets) s.write(frame);
      c.end("ok");
    });
  }).listen(controlPort, "127.0.0.1");
}

async function baseline(n: number, frame: Buffer): Promise<{ p50: number; p99: number; max: number; missing: number }> {
  const [port, controlPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ["--import", "tsx", process.argv[1], "--baseline-server", String(port), String(controlPort)], { stdio: "inherit" });
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) =>
        connect(controlPort, "127.0.0.1")
          .on("connect", function (this: Socket) {
            this.destroy();
            r(true);
          })
          .on("error", () => r(false)),
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const fleet = await openFleet(port, n, "GET / HTTP/1.1\r\n\r\n");
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      fleet.target = r + 2;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const c = connect(controlPort, "127.0.0.1", () => {
          const head = Buffer.alloc(4);
          head.writeUInt32BE(frame.length);
          c.end(Buffer.concat([head, frame]));
        });
        c.on("close", () => resolve());
        c.resume();
      });
      const missing = await waitAll(fleet, 30_000);
      rounds.push({ ...percentiles(fleet, t0), missing });
    }
    closeFleet(fleet);
    return worst(rounds);
  } finally {
    child.kill("SIGKILL");
  }
}

function worst(rounds: { p50: number; p99: number; max: number; missing: number }[]) {
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { p50: med(rounds.map((r) => r.p50)), p99: med(rounds.map((r) => r.p99)), max: Math.max(...rounds.map((r) => r.max)), missing: Math.max(...rounds.map((r) => r.missing)) };
}

export async function run(counts = [1000, 10_000]) {
  const limit = Number(spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim());
  if (limit < Math.max(...counts) + 200) throw new Error(`ulimit -n is ${limit}: run with ulimit -n >= ${Math.max(...counts) + 200} (each of the client and the server holds one socket per stream)`);
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), "verdict-bench-stream-"));
  const server = await startNextServer({
    dataDir,
    env: {
      VERDICT_ADMIN_TOKEN: ADMIN_TOKEN,
      VERDICT_CLIENT_KEY: CLIENT_KEY,
      VERDICT_ADMIN_PASSWORD: "bench-password",
      VERDICT_SEED_DEMO: "false",
      VERDICT_EVALUATOR_INTERVAL_SECONDS: "0",
      VERDICT_STREAM_MAX_CONNECTIONS: "20000",
    },
  });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
  const results: Record<number, unknown> = {};
  try {
    for (let i = 0; i < 10; i++) {
      await fetch(`${server.url}/api/v1/experiments`, { method: "POST", headers: admin, body: JSON.stringify({ key: `fan-${i}`, name: `Fan-out ${i}`, strategy: i % 2 ? "canary" : "toggle" }) });
      await (await fetch(`${server.url}/api/v1/experiments/fan-${i}/start`, { method: "POST", headers: admin, body: "{}" })).text();
    }
    const request = `GET /api/v1/sdk/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${CLIENT_KEY}\r\n\r\n`;
    const port = server.port;
    let paused = false;
    await closeFleet(await openFleet(port, 50, request)); // warm-up: the stream path and the snapshot cache
    for (const n of counts) {
      await new Promise((r) => setTimeout(r, 1000));
      const before = rssKb(server.pid);
      const t = performance.now();
      const fleet = await openFleet(port, n, request);
      const connectS = (performance.now() - t) / 1000;
      await new Promise((r) => setTimeout(r, 500));
      const after = rssKb(server.pid);
      const rounds = [];
      const apiMs: number[] = [];
      const serverMs: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        fleet.target = r + 2;
        const action = paused ? "resume" : "pause";
        paused = !paused;
        const t0 = performance.now();
        const res = await fetch(`${server.url}/api/v1/experiments/fan-0/${action}`, { method: "POST", headers: admin, body: "{}" });
        if (res.status !== 200) throw new Error(`${action} answered ${res.status}: ${await res.text()}`);
        await res.text();
        apiMs.push(performance.now() - t0);
        const missing = await waitAll(fleet, 30_000);
        rounds.push({ ...percentiles(fleet, t0), missing });
        const logged = [...server.output().matchAll(/sent to (\d+) streams in (\d+) ms/g)].pop();
        if (logged && Number(logged[1]) === n) serverMs.push(Number(logged[2]));
      }
      closeFleet(fleet);
      const cfg = await fetch(`${server.url}/api/v1/sdk/config`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
      const frame = Buffer.from(`${MARKER}\nid: ${cfg.headers.get("etag")}\ndata: ${await cfg.text()}\n\n`);
      const stream = worst(rounds);
      const base = await baseline(n, frame);
      const perStreamKb = (after - before) / n;
      const api = apiMs.sort((a, b) => a - b)[Math.floor(apiMs.length / 2)];
      const fanOutMs = serverMs.sort((a, b) => a - b)[Math.floor(serverMs.length / 2)] ?? NaN;
      results[n] = { stream, apiMs: api, serverFanOutMs: fanOutMs, baseline: base, rssBeforeMb: before / 1024, rssAfterMb: after / 1024, perStreamKb, frameBytes: frame.length, connectS };
      console.log(
        `${String(n).padStart(6)} streams: fan-out p50 ${stream.p50.toFixed(0)} ms, p99 ${stream.p99.toFixed(0)} ms, max ${stream.max.toFixed(0)} ms, missed ${stream.missing} (the change request itself answered in ${api.toFixed(0)} ms; the server's fan-out loop took ${fanOutMs.toFixed(0)} ms)` +
          ` | baseline (bare sockets, same bytes) p50 ${base.p50.toFixed(0)} ms, p99 ${base.p99.toFixed(0)} ms | ratio p99 ${(stream.p99 / Math.max(1, base.p99)).toFixed(2)}` +
          ` | server RSS ${(before / 1024).toFixed(0)} -> ${(after / 1024).toFixed(0)} MB = ${perStreamKb.toFixed(1)} kB/stream | frame ${frame.length} B | connect ${connectS.toFixed(1)} s`,
      );
    }
    console.log(`target: p99 < 1000 ms at 10,000 streams (median of ${ROUNDS} changes each; time from sending the change request to reading the event)`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[2] === "--baseline-server") {
  baselineServer(Number(process.argv[3]), Number(process.argv[4]));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const counts = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => x > 0);
  run(counts.length ? counts : undefined).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
