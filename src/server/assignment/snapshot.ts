// The SDK snapshot: every non-draft experiment in the form src/sdk evaluates. Built from the config
// store, cached in memory, dropped on any experiment change in this process and rebuilt at least every
// SNAPSHOT_TTL_MS so other app instances see changes (a rollback) within that time.
import { createHash } from "node:crypto";
import { ne } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { subscribeExperimentChanges } from "@/server/experiments/change";
import { processSingleton } from "@/server/process-singleton";
import { toExperiment, type Experiment } from "@/server/experiments/types";
import { toggleHoldback, verificationShare } from "@/server/experiments/defaults";
import type { Rule, Snapshot, SnapshotExperiment, SnapshotToggle } from "@/sdk/types";

export const SNAPSHOT_TTL_MS = 1000;

export interface CachedSnapshot {
  snapshot: Snapshot;
  etag: string;
  body: string;
}

const holder = processSingleton("sdkSnapshot", () => {
  const h: { cache?: { value: Promise<CachedSnapshot>; at: number } } = {};
  subscribeExperimentChanges(() => {
    h.cache = undefined;
  });
  return h;
});

/**
 * Toggle groups widen one at a time: eligible = base targeting AND any group released so far
 * (kept in `targeting` so an SDK that predates `toggle` still serves only released groups).
 * blue_green during the bake: no verification traffic, everyone on the new live side.
 */
function effectiveTargeting(e: Experiment): Rule | null {
  const base = (e.targeting as Rule | null) ?? null;
  if (e.strategy === "blue_green" && e.state.phase === "bake") return null;
  if (e.strategy !== "toggle" || !e.rollout.groups?.length) return base;
  const released = e.rollout.groups.slice(0, e.state.stageIndex + 1);
  if (released.some((g) => g.rule === null)) return base;
  const groups: Rule = { any: released.map((g) => g.rule as Rule) };
  return base ? { all: [base, groups] } : groups;
}

/** toggle: the holdback and every released group with its own percentage (SDK README "toggle"). */
function toggleOf(e: Experiment): SnapshotToggle {
  const groups = e.rollout.groups?.length
    ? e.rollout.groups.slice(0, e.state.stageIndex + 1).map((g) => ({ targeting: (g.rule as Rule | null) ?? null, exposure: g.percentage / 100 }))
    : [{ targeting: null, exposure: e.state.exposure / 100 }];
  return { holdback: toggleHoldback(e) / 100, groups };
}

export function toSnapshotExperiment(e: Experiment): SnapshotExperiment {
  if (e.status === "draft") throw new Error(`draft experiment '${e.key}' is not served`);
  return {
    key: e.key,
    strategy: e.strategy,
    status: e.status,
    seed: `${e.key}:${e.salt}`,
    hashAttribute: e.hashAttribute,
    variants: e.variants.map((v) => ({ key: v.key, weight: v.weight })),
    control: e.control,
    treatment: e.treatment,
    exposure: e.state.exposure / 100,
    targeting: effectiveTargeting(e),
    forced: e.forced,
    layer: e.layer,
    enabled: e.state.enabled,
    live: e.state.live,
    shipped: e.state.shipped,
    ...(e.strategy === "toggle" ? { toggle: toggleOf(e) } : {}),
    ...(e.strategy === "blue_green" ? { verificationShare: e.state.phase === "bake" ? 0 : verificationShare(e) / 100 } : {}),
  };
}

async function build(): Promise<CachedSnapshot> {
  const db = await getDb();
  const rows = await db.select().from(experiments).where(ne(experiments.status, "draft")).orderBy(experiments.createdAt);
  const list = rows.map((r) => toSnapshotExperiment(toExperiment(r)));
  const etag = `"${createHash("sha1").update(JSON.stringify(list)).digest("base64url")}"`;
  const snapshot: Snapshot = { version: 1, hashVersion: 1, generatedAt: new Date().toISOString(), experiments: list };
  return { snapshot, etag, body: JSON.stringify(snapshot) };
}

export function getSnapshot(): Promise<CachedSnapshot> {
  const now = Date.now();
  if (!holder.cache || now - holder.cache.at > SNAPSHOT_TTL_MS) {
    const value = build();
    holder.cache = { value, at: now };
    value.catch(() => {
      if (holder.cache?.value === value) holder.cache = undefined;
    });
  }
  return holder.cache.value;
}
