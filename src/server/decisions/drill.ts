// Rollback drill: performs the rollback path in a dry run. It computes the rolled-back experiment
// with the same transition a real rollback applies, builds the SDK snapshot that would result (read
// from the config store like the real build, with this experiment replaced), evaluates sample units
// against it (everyone must get the rollback variant, unexposed, forced QA units included), and
// measures how long the rollback takes to reach every evaluation: the server's snapshot TTL plus the
// measured build time (POST /assign everywhere), plus the SDK's refresh interval for clients that
// evaluate locally. The live experiment is never changed; the result is recorded in `drills`.
import { createHash } from "node:crypto";
import { desc, eq, ne } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { drills, experiments } from "@/db/schema";
import { SNAPSHOT_TTL_MS, toSnapshotExperiment } from "@/server/assignment/snapshot";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/server/errors";
import { getExperiment } from "@/server/experiments/get";
import { toExperiment, type Experiment } from "@/server/experiments/types";
import { compileSnapshot } from "@/sdk/evaluate";
import type { Snapshot, Unit } from "@/sdk/types";
import { applyPatch, rollbackPatch } from "./transitions";

/** The SDK client's default snapshot refresh (src/sdk/client.ts). */
export const SDK_REFRESH_MS = 60_000;
const SAMPLE_UNITS = 2_000;

export interface DrillResult {
  id: string;
  experiment: string;
  ok: boolean;
  at: string;
  performedBy: string;
  /** what a rollback would set */
  rollback: { summary: string; status: string; state: Experiment["state"]; expectedVariant: string };
  checks: { units: number; onRollbackVariant: number; unexposed: number; failures: { unit: string; variant: string; exposed: boolean }[] };
  propagation: { snapshotTtlMs: number; buildMs: number; serverMs: number; sdkRefreshMs: number; sdkClientsMs: number };
  durationMs: number;
}

function sampleUnits(e: Experiment): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < SAMPLE_UNITS; i++) {
    // half of them look internal/beta so targeting-selected traffic (verification, toggle groups) is covered
    const attributes: Record<string, string | boolean> = i % 2 === 0 ? { internal: true, role: "beta" } : { role: "user" };
    units.push({ userId: `drill-user-${i}`, instanceId: `drill-instance-${i}`, attributes });
  }
  for (const id of Object.keys(e.forced)) units.push({ userId: id, instanceId: id, attributes: {} });
  return units;
}

export async function drillRollback({ actor, key }: { actor: Principal; key: string }): Promise<DrillResult> {
  const started = performance.now();
  const e = await getExperiment({ key });
  if (e.status === "draft") throw new AppError("invalid_transition", `Cannot drill '${key}': it is a draft and not served`, { status: e.status });
  const patch = rollbackPatch(e, new Date());
  const rolledBack = applyPatch(e, patch);
  // The SDK serves control for rolled_back and the shipped variant for promoted (blue_green edge case).
  const expectedVariant = rolledBack.status === "rolled_back" ? rolledBack.control : (rolledBack.state.shipped ?? rolledBack.control);

  // The same work as the real snapshot build, with the rolled-back experiment swapped in.
  const buildStart = performance.now();
  const db = await getDb();
  const rows = await db.select().from(experiments).where(ne(experiments.status, "draft")).orderBy(experiments.createdAt);
  const list = rows.map((r) => toSnapshotExperiment(r.key === key ? rolledBack : toExperiment(r)));
  createHash("sha1").update(JSON.stringify(list)).digest("base64url");
  const snapshot: Snapshot = { version: 1, hashVersion: 1, generatedAt: new Date().toISOString(), experiments: list };
  const compiled = compileSnapshot(snapshot);
  const buildMs = performance.now() - buildStart;

  const target = compiled.get(key);
  if (!target) throw new AppError("internal", `The drill snapshot does not serve '${key}'`);
  const units = sampleUnits(e);
  const failures: DrillResult["checks"]["failures"] = [];
  let onVariant = 0;
  let unexposed = 0;
  for (const unit of units) {
    const a = target.evaluate(unit);
    if (a.variant === expectedVariant) onVariant++;
    if (!a.exposed) unexposed++;
    if ((a.variant !== expectedVariant || a.exposed) && failures.length < 20) failures.push({ unit: unit.userId ?? "", variant: a.variant, exposed: a.exposed });
  }
  const ok = onVariant === units.length && unexposed === units.length;
  const serverMs = SNAPSHOT_TTL_MS + buildMs;
  const result = {
    ok,
    rollback: { summary: patch.summary, status: rolledBack.status, state: rolledBack.state, expectedVariant },
    checks: { units: units.length, onRollbackVariant: onVariant, unexposed, failures },
    propagation: { snapshotTtlMs: SNAPSHOT_TTL_MS, buildMs: round(buildMs), serverMs: round(serverMs), sdkRefreshMs: SDK_REFRESH_MS, sdkClientsMs: round(serverMs + SDK_REFRESH_MS) },
  };
  const durationMs = Math.round(performance.now() - started);
  const [row] = await db
    .insert(drills)
    .values({ experimentKey: key, performedBy: actor.name, result, durationMs: Math.ceil(serverMs), ok: ok ? 1 : 0 })
    .returning();
  return { id: row.id, experiment: key, at: row.at.toISOString(), performedBy: actor.name, ...result, durationMs };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export async function listDrills({ key, limit = 20 }: { key: string; limit?: number }): Promise<{ drills: (Omit<DrillResult, "id"> & { id: string })[] }> {
  await getExperiment({ key });
  const db = await getDb();
  const rows = await db.select().from(drills).where(eq(drills.experimentKey, key)).orderBy(desc(drills.at)).limit(limit);
  return {
    drills: rows.map((r) => ({ id: r.id, experiment: r.experimentKey, at: r.at.toISOString(), performedBy: r.performedBy, ok: r.ok === 1, durationMs: r.durationMs, ...(r.result as Omit<DrillResult, "id" | "experiment" | "at" | "performedBy" | "ok" | "durationMs">) })),
  };
}
