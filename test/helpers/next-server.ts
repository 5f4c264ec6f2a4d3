// A real `next start` server for tests that need the whole process (SIGKILL, e2e), on its own data
// directory and port. ensureBuilt() builds only when .next/BUILD_ID is missing or older than the
// sources, under a machine-wide lock so concurrent test files never build at the same time.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { BUILD_SOURCES, serverCommand } from "../../scripts/production-server";

const ROOT = process.cwd();
const BUILD_LOCK = "/tmp/verdict-next-build.lock";

/**
 * Builds the app if needed (`next build` takes minutes on a shared 2-core machine). With
 * VERDICT_TEST_REUSE_BUILD=1 an existing build is used even if sources changed (a shared working
 * tree where someone's half-written file fails the type check of `next build`).
 */
export function ensureBuilt(): void {
  if (process.env.VERDICT_TEST_REUSE_BUILD === "1" && existsSync(join(ROOT, ".next", "BUILD_ID"))) return;
  const stale = `[ ! -f .next/BUILD_ID ] || [ -n "$(find ${BUILD_SOURCES.join(" ")} -newer .next/BUILD_ID -print -quit 2>/dev/null)" ]`;
  const script = `if ${stale}; then echo "[next-server] building the app" >&2; node_modules/.bin/next build >&2; fi`;
  const r = spawnSync("flock", [BUILD_LOCK, "sh", "-c", script], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status})`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface NextServer {
  url: string;
  port: number;
  pid: number;
  /** sends a signal to the server's whole process group and waits for it to exit */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s */
  stop(): Promise<void>;
  /** what the server printed so far (for failure messages) */
  output(): string;
}

export interface StartOptions {
  dataDir: string;
  port?: number;
  env?: Record<string, string>;
  /** how long to wait for GET /api/health to answer */
  timeoutMs?: number;
  /** plain `next start` instead of the production server (benchmarks compare the two) */
  nextStart?: boolean;
}

export async function startNextServer(opts: StartOptions): Promise<NextServer> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // The production server of `npm start` (server.ts: Next.js plus the direct client endpoints).
  const [command, args] = opts.nextStart ? [join(ROOT, "node_modules", ".bin", "next"), ["start", "-p", String(port), "-H", "127.0.0.1"]] : serverCommand(ROOT, ["-H", "127.0.0.1"]);
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    // Own process group: kill() reaches every process next start spawned.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", VERDICT_DATA_DIR: opts.dataDir, PORT: String(port), ...opts.env },
  });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  child.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (gone) return;
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
    await exited;
  };
  const stop = async () => {
    const timer = setTimeout(() => void kill("SIGKILL"), 10_000);
    await kill("SIGTERM");
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (gone) throw new Error(`next start exited before answering:\n${log}`);
    try {
      const res = await fetch(`${url}/api/health`);
      await res.text();
      break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await kill("SIGKILL");
      throw new Error(`next start did not answer within ${opts.timeoutMs ?? 60_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, pid: child.pid!, kill, stop, output: () => log };
}
