// `npm start`: builds when the sources are newer than the last build, then serves with server.ts
// (Next.js's handler, plus a direct path for the two high-rate client endpoints).
// Migrations, the first admin and the demo seed run inside the server process (instrumentation.ts),
// because each embedded store may be opened by one process only.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseEnvOrExit } from "../src/server/env";
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
  const server = spawn(command, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", PORT: String(port) } });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => server.kill(sig));
  server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
