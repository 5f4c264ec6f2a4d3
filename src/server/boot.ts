// Brings the stores up to date and starts the background loops. Runs in the server process (from
// instrumentation.ts) and in `npm run db:migrate`; idempotent, and fails fast with one clear line.
import { eventStoreInfo } from "@/db/clickhouse/client";
import { migrateEventStore } from "@/db/clickhouse/migrate";
import { configStoreInfo, migrateConfigStore } from "@/db/postgres";
import { bootstrapIdentity, type BootstrapResult } from "@/server/auth/bootstrap";
import { startEvaluator } from "@/server/decisions/loop";
import { startDemoSeed } from "@/server/demo/seed";
import { env } from "@/core/env";
import { processSingleton } from "@/core/process-singleton";
import { startIngestion } from "@/server/ingestion/pipeline";
import { monitoring } from "@/server/monitoring/registry";
import { subscribeWebhooksToDecisions } from "@/server/webhooks/decision-events";
import { startWebhookDelivery } from "@/server/webhooks/start";

export interface BootOptions {
  /** start background loops (spool drain, evaluator); false for one-shot scripts */
  background: boolean;
}

const holder = processSingleton("boot", () => ({ booted: undefined as Promise<BootstrapResult> | undefined }));

export function boot(opts: BootOptions = { background: true }): Promise<BootstrapResult> {
  holder.booted ??= run(opts).catch((e) => {
    holder.booted = undefined;
    throw e;
  });
  return holder.booted;
}

async function run(opts: BootOptions): Promise<BootstrapResult> {
  env();
  // Reach both stores before migrating either, so a bad URL fails in seconds, not after a migration.
  await eventStoreInfo();
  await configStoreInfo();
  await migrateConfigStore();
  await migrateEventStore();
  const identity = await bootstrapIdentity();
  if (opts.background) await startBackground();
  return identity;
}

async function startBackground(): Promise<void> {
  // Each loop registers itself here as its domain lands (ingestion spool drain, decision evaluator).
  await startIngestion();
  monitoring(); // from now on, ClickHouse latencies feed /api/metrics
  startWebhookDelivery(subscribeWebhooksToDecisions);
  startEvaluator();
  await startDemoSeed(); // one look-up, then in the background: startup is not delayed
}
