// Rollback drill: performs the rollback path in a dry run. It computes the rolled-back experiment
// with the same transition a real rollback applies, builds the SDK snapshot that would result (read
// from the config store like the real build, with this experiment replaced), evaluates sample units
// against it (everyone must get the rollback variant, unexposed, forced QA units included), and
// MEASURES propagation: it publishes the drilled state on /assign's dry-run channel
// (src/server/assignment/dry-run.ts; real traffic keeps the live state) and each probe reports the
// milliseconds until it sees the drilled state. On this base the probe is an in-process /assign of a
// probe unit, and a synthetic no-op change sent down every open snapshot stream (streamProbe).
// The live experiment is never changed; the result is recorded in `drills`.
import { desc, eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { drills } from "@/db/schema";
import { assign } from "@/server/assignment/assign";
import { buildSnapshotWith, openDryRun } from "@/server/assignment/dry-run";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/core/errors";
import { getExperiment } from "@/server/experiments/get";
import { streamHub } from "@/server/streaming/hub";
import type { Experiment } from "@/server/experiments/types";
import type { Assignment, Unit } from "@/sdk/types";
import { applyPatch, rollbackPatch } from "./transitions";

const SAMPLE_UNITS = 2_000;
/** A probe that has not seen the drilled state by then reports failure (ms: null). */
const PROBE_TIMEOUT_MS = 5_000;

export interface ProbeContext {
  key: string;
  expectedVariant: string;
  /** the unit the dry-run channel serves the drilled state to */
  probeId: string;
  /** performance.now() at the drill's simulated change */
  t0: number;
  deadline: number;
}
export interface ProbeResult {
  name: string;
  /** ms from the simulated change until the probe evaluated the drilled state; null = never within the timeout */
  ms: number | null;
  attempts: number;
  variant: string | null;
}
export type DrillProbe = (ctx: ProbeContext) => Promise<ProbeResult>;

/** POST /api/v1/assign in-process (the function the route calls), for the probe unit, until it evaluates the rollback variant unexposed. */
export const assignProbe: DrillProbe = async (ctx) => {
  let attempts = 0;
  let variant: string | null = null;
  while (performance.now() < ctx.deadline) {
    attempts++;
    const out = (await assign({ input: { userId: ctx.probeId, log: false } })) as { assignments: Assignment[] };
    const a = out.assignments.find((x) => x.experiment === ctx.key);
    variant = a?.variant ?? null;
    if (a && a.variant === ctx.expectedVariant && !a.exposed) return { name: "assign", ms: round(performance.now() - ctx.t0), attempts, variant };
    await new Promise((r) => setTimeout(r, 5));
  }
  return { name: "assign", ms: null, attempts, variant };
};

/**
 * GET /api/v1/sdk/stream: the drilled state itself is never streamed (clients would act on it), so
 * the probe sends a synthetic no-op change down the stream path (streamHub().probe) and measures
 * until the last open stream of this process was written to. With no stream open it reports 0
 * streams and the path's own cost.
 */
export const streamProbe: DrillProbe = async (ctx) => {
  const { streams, at } = await streamHub().probe(ctx.key);
  return { name: `stream (${streams} open)`, ms: round(at - ctx.t0), attempts: 1, variant: null };
};

/** Every probe measured by a drill. */
export const DRILL_PROBES: DrillProbe[] = [assignProbe, streamProbe];

export interface DrillResult {
  id: string;
  experiment: string;
  ok: boolean;
  at: string;
  performedBy: string;
  /** what a rollback would set */
  rollback: { summary: string; status: string; state: Experiment["state"]; expectedVariant: string };
  checks: { units: number; onRollbackVariant: number; unexposed: number; failures: { unit: string; variant: string; exposed: boolean }[] };
  /** measured: buildMs = the drilled snapshot's build; probes = ms until each probe saw the drilled state; measuredMs = the slowest probe */
  propagation: { buildMs: number; probes: ProbeResult[]; measuredMs: number | null };
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
  const compiled = await buildSnapshotWith(new Map([[key, rolledBack]]));
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
  const probes = await measureProbes(key, rolledBack, expectedVariant);
  const measured = probes.map((p) => p.ms);
  const measuredMs = measured.some((m) => m === null) ? null : Math.max(...(measured as number[]));
  const ok = onVariant === units.length && unexposed === units.length && measuredMs !== null;
  const result = {
    ok,
    rollback: { summary: patch.summary, status: rolledBack.status, state: rolledBack.state, expectedVariant },
    checks: { units: units.length, onRollbackVariant: onVariant, unexposed, failures },
    propagation: { buildMs: round(buildMs), probes, measuredMs },
  };
  const durationMs = Math.round(performance.now() - started);
  const db = await getDb();
  const [row] = await db
    .insert(drills)
    .values({ experimentKey: key, performedBy: actor.name, result, durationMs: Math.ceil(measuredMs ?? PROBE_TIMEOUT_MS), ok: ok ? 1 : 0 })
    .returning();
  return { id: row.id, experiment: key, at: row.at.toISOString(), performedBy: actor.name, ...result, durationMs };
}

/** Publishes the drilled state on the dry-run channel (the simulated change) and runs every probe against it. */
async function measureProbes(key: string, rolledBack: Experiment, expectedVariant: string): Promise<ProbeResult[]> {
  const channel = openDryRun([rolledBack]);
  const t0 = performance.now();
  try {
    const ctx: ProbeContext = { key, expectedVariant, probeId: channel.probeId, t0, deadline: t0 + PROBE_TIMEOUT_MS };
    return await Promise.all(DRILL_PROBES.map((probe) => probe(ctx)));
  } finally {
    channel.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export async function listDrills({ key, limit = 20 }: { key: string; limit?: number }): Promise<{ drills: (Omit<DrillResult, "id"> & { id: string })[] }> {
  await getExperiment({ key });
  const db = await getDb();
  const rows = await db.select().from(drills).where(eq(drills.experimentKey, key)).orderBy(desc(drills.at)).limit(limit);
  return {
    drills: rows.map((r) => ({
      id: r.id,
      experiment: r.experimentKey,
      at: r.at.toISOString(),
      performedBy: r.performedBy,
      ok: r.ok === 1,
      durationMs: r.durationMs,
      ...(r.result as Omit<DrillResult, "id" | "experiment" | "at" | "performedBy" | "ok" | "durationMs">),
    })),
  };
}
