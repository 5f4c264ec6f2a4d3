import { asc } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { metricDefinitions } from "@/db/schema";
import { builtInMetrics } from "@/server/evidence";
import type { MetricView } from "./schemas";
import { builtInView, storedView } from "./view";

/** Built-ins first (read-only, version 0), then the stored definitions by key. */
export async function listMetrics(): Promise<MetricView[]> {
  const db = await getDb();
  const rows = await db.select().from(metricDefinitions).orderBy(asc(metricDefinitions.key));
  return [...builtInMetrics().map(builtInView), ...rows.map(storedView)];
}

/** The keys of the stored definitions (the experiment form offers them beside the built-ins). */
export async function storedMetricKeys(): Promise<string[]> {
  const db = await getDb();
  const rows = await db.select({ key: metricDefinitions.key }).from(metricDefinitions).orderBy(asc(metricDefinitions.key));
  return rows.map((r) => r.key);
}
