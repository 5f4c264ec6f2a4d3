// Migrate both stores, create the first admin (printing generated credentials once), start the
// background loops. A store that cannot be reached stops the process with one clear line.
import { boot } from "./src/server/boot";
// Registers the two client endpoints for server.ts's direct path now, before the first request
// (Next loads route files later, when a request or its background preload reaches them).
import "./src/server/http/client-endpoints";
import { env } from "./src/core/env";
import { demoSeedRunning } from "./src/server/demo/seed";

try {
  const identity = await boot({ background: true });
  for (const line of identity.printed) console.log(`[verdict] ${line}`);
  const url = `http://localhost:${env().PORT}/sign-in`;
  // the seed replays the demo's past days in the background: say so, and it says when it is done
  if (demoSeedRunning()) console.log(`[verdict] ready: sign in at ${url} (the demo seed is still running in the background: about a minute; a line says when it is done)`);
  else console.log(`[verdict] ready: sign in at ${url}`);
} catch (e) {
  console.error(`[verdict] startup failed: ${(e as Error).message}`);
  process.exit(1);
}
