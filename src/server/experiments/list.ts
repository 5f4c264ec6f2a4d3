import { and, asc, eq, ilike, or, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { getDb } from "@/db/postgres";
import { experiments } from "@/db/schema";
import type { ListExperimentsQuery } from "./schemas";
import { toExperiment, type Experiment } from "./types";

export async function listExperiments(input: z.infer<typeof ListExperimentsQuery> = {}): Promise<Experiment[]> {
  const db = await getDb();
  const where: SQL[] = [];
  if (input.status) where.push(eq(experiments.status, input.status));
  if (input.strategy) where.push(eq(experiments.strategy, input.strategy));
  if (input.q) {
    const pattern = `%${input.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(experiments.key, pattern), ilike(experiments.name, pattern)) as SQL);
  }
  const rows = await db
    .select()
    .from(experiments)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(experiments.createdAt));
  return rows.map(toExperiment);
}
