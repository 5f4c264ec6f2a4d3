// `npm start`: builds when the sources are newer than the last build, then serves with server.ts
// (Next.js's handler, plus a direct path for the two high-rate client endpoints).
// Migrations, the first admin and the demo seed run inside the server process (instrumentation.ts),
// because each embedded store may be opened by one process only.
// package.json runs this as `exec node …`: npm runs a script through sh, and Debian's sh (dash)
// stays in between as npm's child; npm relays SIGTERM to that shell, which died of it without
// passing it on, leaving this process and the server running as orphans.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseEnvOrExit } from "../src/core/env";
import { BUILD_SOURCES, serverCommand } from "./production-server";

const ROOT = process.cwd();

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

function needsBuild(): boolean {
  const buildId = join(ROOT, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return BUILD_SOURCES.some((s) => newest(join(ROOT, s)) > built);
}

function main() {
  const port = parseEnvOrExit(process.env).PORT;
  const next = join(ROOT, "node_modules", ".bin", "next");
  if (needsBuild()) {
    console.log("[verdict] building the app (first start or sources changed)…");
    const build = spawnSync(next, ["build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  console.log(`[verdict] starting on http://localhost:${port}`);
  const [command, args] = serverCommand(ROOT);
  // The IPC channel is how the server learns that this process is gone, however it ended (server.ts).
  const server = spawn(command, args, {
    cwd: ROOT,
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", PORT: String(port) },
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => server.kill(sig));
  server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  // npm gives the script it runs no channel of its own; when npm is killed outright this process
  // is re-parented, which only a look at ppid can tell. It then stops the server as a signal would.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    console.log("[verdict] npm is gone; stopping the server");
    server.kill("SIGTERM");
  }, 1000);
  watch.unref();
}

main();
