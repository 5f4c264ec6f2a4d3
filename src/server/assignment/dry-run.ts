// The dry-run channel of the rollback drill (src/server/decisions/drill.ts). A drill publishes the
// experiment as a rollback would leave it; POST /api/v1/assign then evaluates ONE probe unit (a
// random user id known only to the drill, valid for the drill's few milliseconds) against a snapshot
// built like the real one (read from the config store, compiled by the SDK's code) with that
// experiment swapped in, and never logs the probe's exposures. Every other unit gets the live
// snapshot: the drill cannot change real traffic. Measuring the probe's first answer measures the
// path a real rollback takes on this instance (change → next /assign rebuilds the snapshot → the
// SDK's evaluation), not TTL arithmetic.
import { createHash, randomUUID } from "node:crypto";
import { ne } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { processSingleton } from "@/core/process-singleton";
import { toExperiment, type Experiment } from "@/server/experiments/types";
import { compileSnapshot } from "@/sdk/evaluate";
import type { Snapshot, Unit } from "@/sdk/types";
import { toSnapshotExperiment } from "./snapshot";

type Compiled = ReturnType<typeof compileSnapshot>;

interface DryRun {
  overrides: Map<string, Experiment>;
  compiled?: Promise<Compiled>;
  expires: number;
}

/** A channel closes by itself after this long even if its drill never closed it. */
const MAX_OPEN_MS = 30_000;

const channels = processSingleton("assignmentDryRuns", () => new Map<string, DryRun>());

/** The snapshot the config store would give with `overrides` swapped in (same work as the real build). */
export async function buildSnapshotWith(overrides: Map<string, Experiment>): Promise<Compiled> {
  const db = await getDb();
  const rows = await db.select().from(experiments).where(ne(experiments.status, "draft")).orderBy(experiments.createdAt);
  const list = rows.map((r) => toSnapshotExperiment(overrides.get(r.key) ?? toExperiment(r)));
  createHash("sha1").update(JSON.stringify(list)).digest("base64url"); // the real build's etag
  const snapshot: Snapshot = { version: 1, hashVersion: 1, generatedAt: new Date().toISOString(), experiments: list };
  return compileSnapshot(snapshot);
}

/** Opens a channel; returns the probe unit's id and the close function. */
export function openDryRun(overrides: Experiment[]): { probeId: string; close: () => void } {
  const probeId = `drill-probe-${randomUUID()}`;
  channels.set(probeId, { overrides: new Map(overrides.map((e) => [e.key, e])), expires: Date.now() + MAX_OPEN_MS });
  return { probeId, close: () => void channels.delete(probeId) };
}

/**
 * For /assign: the drill snapshot of each probe unit among `units` (by index), or null when none is
 * a probe (the common case costs one map lookup per unit only while a drill is open).
 */
export async function dryRunSnapshots(units: readonly Unit[]): Promise<Map<number, Compiled> | null> {
  if (channels.size === 0) return null;
  let found: Map<number, Compiled> | null = null;
  for (let i = 0; i < units.length; i++) {
    const id = units[i].userId;
    const ch = id === undefined ? undefined : channels.get(id);
    if (!ch) continue;
    if (ch.expires < Date.now()) {
      channels.delete(id as string);
      continue;
    }
    ch.compiled ??= buildSnapshotWith(ch.overrides);
    (found ??= new Map()).set(i, await ch.compiled);
  }
  return found;
}
