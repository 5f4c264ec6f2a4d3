// `npm run db:migrate`: applies both stores' migrations and creates the first admin, then exits.
import { closeEventStore } from "@/db/clickhouse/client";
import { closeConfigStore } from "@/db/postgres";
import { boot } from "@/server/boot";

async function main() {
  const identity = await boot({ background: false });
  for (const line of identity.printed) console.log(`[verdict] ${line}`);
  console.log("[verdict] migrations applied");
  await closeConfigStore();
  await closeEventStore();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`[verdict] migration failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
