import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { metricDefinitions } from "@/db/schema";
import { notFound } from "@/core/errors";
import { builtInMetrics } from "@/server/evidence";
import type { MetricView } from "./schemas";
import { builtInView, storedView } from "./view";

export async function getMetric({ key }: { key: string }): Promise<MetricView> {
  const builtIn = builtInMetrics().find((m) => m.name === key);
  if (builtIn) return builtInView(builtIn);
  const db = await getDb();
  const [row] = await db.select().from(metricDefinitions).where(eq(metricDefinitions.key, key)).limit(1);
  if (!row) throw notFound("Metric definition", key);
  return storedView(row);
}
