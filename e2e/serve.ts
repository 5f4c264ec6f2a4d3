// The e2e web server: builds only when the sources are newer than the last build (under the shared
// build lock, see test/helpers/next-server.ts), then runs the production server (server.ts, as `npm start`) in the foreground.
import { spawn } from "node:child_process";
import { serverCommand } from "../scripts/production-server";
import { ensureBuilt } from "../test/helpers/next-server";

ensureBuilt();
const port = process.env.PORT ?? "3000";
const [command, args] = serverCommand(process.cwd(), ["-H", "127.0.0.1"]);
const server = spawn(command, args, {
  stdio: "inherit",
  env: { ...process.env, PORT: port, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
});
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => server.kill(sig));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
