// What `npm start`, the tests and the e2e server share about the production server process.
import { join } from "node:path";

/** Files whose change makes the Next.js build stale. */
export const BUILD_SOURCES = ["src", "public", "drizzle", "instrumentation.ts", "instrumentation-node.ts", "next.config.ts", "package.json", "postcss.config.mjs", "tsconfig.json"];

/**
 * server.ts in this Node with tsx's loader, not under the tsx CLI: the CLI relays SIGTERM/SIGINT
 * to its child and SIGKILLs it unless the child acknowledges within ~60 ms, which a busy server
 * (a chDB insert in progress) misses, cutting its graceful shutdown short (server.ts, stop()).
 */
export function serverCommand(root: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ["--import", "tsx", join(root, "server.ts"), ...args]];
}
