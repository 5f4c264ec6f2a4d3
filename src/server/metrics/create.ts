import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { metricDefinitionVersions, metricDefinitions } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/core/errors";
import { canonical } from "./convert";
import { metricRegistry, notifyMetricsChanged } from "./registry";
import type { CreateMetricInput, MetricView } from "./schemas";
import { storedView } from "./view";

/** Stores version 1 of a new definition (audited) and makes it current on every instance. */
export async function createMetric({ actor, input }: { actor: Principal; input: CreateMetricInput }): Promise<MetricView> {
  const definition = canonical(input);
  const db = await getDb();
  const view = await db.transaction(async (tx) => {
    const [existing] = await tx.select({ key: metricDefinitions.key }).from(metricDefinitions).where(eq(metricDefinitions.key, input.key)).limit(1);
    if (existing) throw new AppError("conflict", `A metric definition with key '${input.key}' already exists; PATCH /api/v1/metrics/${input.key} to edit it`, { key: input.key });
    // a concurrent create of the same key loses on the primary key (a 500 would be wrong): on conflict do nothing, then check
    const [row] = await tx.insert(metricDefinitions).values({ key: input.key, version: 1, definition, createdBy: actor.name, updatedBy: actor.name }).onConflictDoNothing().returning();
    if (!row) throw new AppError("conflict", `A metric definition with key '${input.key}' already exists`, { key: input.key });
    await tx.insert(metricDefinitionVersions).values({ key: input.key, version: 1, definition, createdBy: actor.name });
    const created = storedView(row);
    await recordAudit(tx, actor, { action: "metric.created", entityType: "metric", entityKey: input.key, after: created });
    await notifyMetricsChanged(tx, input.key);
    return created;
  });
  await metricRegistry().refresh();
  return view;
}
