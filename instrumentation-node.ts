// Migrate both stores, create the first admin (printing generated credentials once), start the
// background loops. A store that cannot be reached stops the process with one clear line.
import { boot } from "./src/server/boot";
import { env } from "./src/core/env";

try {
  const identity = await boot({ background: true });
  for (const line of identity.printed) console.log(`[verdict] ${line}`);
  console.log(`[verdict] ready: sign in at http://localhost:${env().PORT}/sign-in`);
} catch (e) {
  console.error(`[verdict] startup failed: ${(e as Error).message}`);
  process.exit(1);
}
