import { and, desc, eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { metricDefinitionVersions } from "@/db/schema";
import { notFound } from "@/core/errors";
import { builtInMetrics, type MetricDefinition } from "@/server/evidence";
import { toEngine } from "./convert";
import type { MetricDefinitionInput, MetricVersionView } from "./schemas";

function versionView(row: typeof metricDefinitionVersions.$inferSelect): MetricVersionView {
  return { key: row.key, version: row.version, definition: row.definition as MetricDefinitionInput, createdBy: row.createdBy, createdAt: row.createdAt.toISOString() };
}

/** Every version of a stored definition, newest first. */
export async function listMetricVersions({ key }: { key: string }): Promise<MetricVersionView[]> {
  const db = await getDb();
  const rows = await db.select().from(metricDefinitionVersions).where(eq(metricDefinitionVersions.key, key)).orderBy(desc(metricDefinitionVersions.version));
  if (rows.length === 0) {
    const builtIn = builtInMetrics().some((m) => m.name === key);
    throw notFound(builtIn ? "Stored metric definition (built-ins are not versioned)" : "Metric definition", key);
  }
  return rows.map(versionView);
}

async function versionRow(key: string, version: number) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(metricDefinitionVersions)
    .where(and(eq(metricDefinitionVersions.key, key), eq(metricDefinitionVersions.version, version)))
    .limit(1);
  return row ?? null;
}

export async function getMetricVersion({ key, version }: { key: string; version: number }): Promise<MetricVersionView> {
  const row = await versionRow(key, version);
  if (!row) throw notFound("Metric definition version", `${key}@${version}`);
  return versionView(row);
}

/**
 * The engine definition a decision used: `key` at `version` (a decision's metricVersions). Version
 * 0 or absent: a built-in (not versioned). Null when no such version is stored.
 */
export async function definitionAt(key: string, version: number | undefined): Promise<MetricDefinition | null> {
  if (!version) return builtInMetrics().find((m) => m.name === key) ?? null;
  const row = await versionRow(key, version);
  return row ? toEngine(row.definition as MetricDefinitionInput, row.version) : null;
}
