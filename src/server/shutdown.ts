// The end of a server process (SIGTERM / SIGINT of server.ts, after it stopped taking requests).
// Exposures logged by POST /api/v1/assign are answered before they are durable (they join the next
// group commit); exiting without this would drop those still queued. Order: no new evaluator pass
// or webhook delivery, every accepted event durable (fsynced in the spool or in ClickHouse; the
// spool replays on the next start), then the stores are closed cleanly.
import { closeEventStore } from "@/db/clickhouse/client";
import { closeConfigStore } from "@/db/postgres";
import { stopEvaluator } from "@/server/decisions/loop";
import { stopIngestion } from "@/server/ingestion/pipeline";
import { stopWebhookDelivery } from "@/server/webhooks/start";

export async function shutdownProcess(): Promise<void> {
  await stopEvaluator();
  await stopWebhookDelivery();
  await stopIngestion();
  await closeEventStore();
  await closeConfigStore();
}
