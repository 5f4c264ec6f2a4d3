// Migrate both stores, create the first admin (printing generated credentials once), start the
// background loops. A store that cannot be reached stops the process with one clear line.
import { boot } from "./src/server/boot";
// Registers the two client endpoints for server.ts's direct path now, before the first request
// (Next loads route files later, when a request or its background preload reaches them).
import "./src/server/http/client-endpoints";
import { env } from "./src/core/env";

try {
  const identity = await boot({ background: true });
  for (const line of identity.printed) console.log(`[verdict] ${line}`);
  console.log(`[verdict] ready: sign in at http://localhost:${env().PORT}/sign-in`);
} catch (e) {
  console.error(`[verdict] startup failed: ${(e as Error).message}`);
  process.exit(1);
}
