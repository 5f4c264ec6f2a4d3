import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { metricDefinitionVersions, metricDefinitions } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import type { Principal } from "@/server/auth/principal";
import { AppError, notFound } from "@/core/errors";
import { isBuiltInMetric } from "@/server/evidence";
import { canonical } from "./convert";
import { metricRegistry, notifyMetricsChanged } from "./registry";
import { checkDefinition, type MetricDefinitionInput, type MetricView, type UpdateMetricInput } from "./schemas";
import { storedView } from "./view";

/** JSON with sorted keys: jsonb does not keep the key order it was given. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/** Applies a PATCH (null removes an optional field) to the current definition. */
function merge(current: MetricDefinitionInput, patch: UpdateMetricInput): MetricDefinitionInput {
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as unknown as MetricDefinitionInput;
}

/**
 * Saves the patched definition as the next version (version + 1, a new row of
 * metric_definition_versions; earlier versions stay for replay), audited, current on every instance.
 * A PATCH that changes nothing answers the current version without a new one.
 */
export async function updateMetric({ actor, key, input }: { actor: Principal; key: string; input: UpdateMetricInput }): Promise<MetricView> {
  if (isBuiltInMetric(key)) {
    throw new AppError("conflict", `'${key}' is a built-in metric and cannot be edited; create a definition with another key instead`, { key, builtIn: true });
  }
  const db = await getDb();
  const { view, changed } = await db.transaction(async (tx) => {
    const [row] = await tx.select().from(metricDefinitions).where(eq(metricDefinitions.key, key)).for("update").limit(1);
    if (!row) throw notFound("Metric definition", key);
    const before = storedView(row);
    const next = canonical(merge(row.definition as MetricDefinitionInput, input));
    const issues = checkDefinition({ ...next, key: undefined });
    if (issues.length > 0) {
      const details = issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      throw new AppError("validation_failed", `Invalid body: ${details.map((d) => `${d.path} ${d.message}`).join("; ")}`, details);
    }
    if (stable(next) === stable(row.definition)) return { view: before, changed: false };
    const version = row.version + 1;
    const now = new Date();
    const [updated] = await tx.update(metricDefinitions).set({ version, definition: next, updatedBy: actor.name, updatedAt: now }).where(eq(metricDefinitions.key, key)).returning();
    await tx.insert(metricDefinitionVersions).values({ key, version, definition: next, createdBy: actor.name, createdAt: now });
    const after = storedView(updated);
    await recordAudit(tx, actor, { action: "metric.updated", entityType: "metric", entityKey: key, before, after });
    await notifyMetricsChanged(tx, key);
    return { view: after, changed: true };
  });
  if (changed) await metricRegistry().refresh();
  return view;
}
