// Rows and built-ins as the API returns them.
import type { metricDefinitions } from "@/db/schema";
import type { MetricDefinition } from "@/server/evidence";
import { fromEngine } from "./convert";
import type { MetricDefinitionInput, MetricView } from "./schemas";

export function storedView(row: typeof metricDefinitions.$inferSelect): MetricView {
  return {
    ...(row.definition as MetricDefinitionInput),
    version: row.version,
    builtIn: false,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function builtInView(m: MetricDefinition): MetricView {
  return { ...fromEngine(m), version: 0, builtIn: true, createdBy: null, createdAt: null, updatedBy: null, updatedAt: null };
}
