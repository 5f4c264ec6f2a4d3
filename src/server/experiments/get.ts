import { eq } from "drizzle-orm";
import { getDb, type Db } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { notFound } from "@/core/errors";
import { toExperiment, type Experiment } from "./types";

export async function findExperiment(key: string, tx?: Pick<Db, "select">): Promise<Experiment | null> {
  const db = tx ?? (await getDb());
  const [row] = await db.select().from(experiments).where(eq(experiments.key, key)).limit(1);
  return row ? toExperiment(row) : null;
}

export async function getExperiment({ key }: { key: string }): Promise<Experiment> {
  const found = await findExperiment(key);
  if (!found) throw notFound("Experiment", key);
  return found;
}
