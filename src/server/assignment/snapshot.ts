// The SDK snapshot: every non-draft experiment in the form src/sdk evaluates. Built from the config
// store and cached in memory. Every committed experiment change NOTIFYs the config store's
// EXPERIMENT_CHANGED_CHANNEL (src/server/experiments/change.ts); each process LISTENs on it and drops
// its copy at once, so /assign, GET /api/v1/sdk/config and the stream (src/server/streaming) of every
// instance read the change on their next use. The TTL is only a backstop: SNAPSHOT_TTL_MS while the
// listening connection is down (notifications may be missed), SNAPSHOT_BACKSTOP_MS while it is up.
import { createHash } from "node:crypto";
import { ne } from "drizzle-orm";
import { getDb, listen } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { EXPERIMENT_CHANGED_CHANNEL, subscribeExperimentChanges } from "@/server/experiments/change";
import { processSingleton } from "@/core/process-singleton";
import { toExperiment, type Experiment } from "@/server/experiments/types";
import { toggleHoldback, verificationShare } from "@/server/experiments/defaults";
import type { Rule, Snapshot, SnapshotExperiment, SnapshotToggle } from "@/sdk/types";

export const SNAPSHOT_TTL_MS = 1000;
export const SNAPSHOT_BACKSTOP_MS = 30_000;

export interface CachedSnapshot {
  snapshot: Snapshot;
  etag: string;
  body: string;
  /** order of builds in this process: a later build started after every change an earlier one saw */
  seq: number;
}

type SnapshotListener = (s: CachedSnapshot) => void;

interface State {
  cache?: { value: Promise<CachedSnapshot>; at: number };
  seq: number;
  /** LISTEN is in effect on the config store */
  listening: boolean;
  listenStarted: boolean;
  subscribers: Set<SnapshotListener>;
  /** the newest build handed to subscribers */
  published?: CachedSnapshot;
  timer?: ReturnType<typeof setInterval>;
  rebuildScheduled?: boolean;
}

const state = processSingleton<State>("sdkSnapshot", () => {
  const s: State = { seq: 0, listening: false, listenStarted: false, subscribers: new Set() };
  // this process's own changes need not wait for the notification's round trip
  subscribeExperimentChanges(() => invalidate());
  return s;
});

/** A change was signalled: the next read rebuilds, and subscribers (streams) get it now. */
function invalidate(): void {
  state.cache = undefined;
  if (state.subscribers.size === 0 || state.rebuildScheduled) return;
  // a burst of changes (notifications read in one turn) costs one rebuild and one fan-out
  state.rebuildScheduled = true;
  setImmediate(() => {
    state.rebuildScheduled = false;
    void getSnapshot().catch(() => {});
  });
}

function ensureListening(): void {
  if (state.listenStarted) return;
  state.listenStarted = true;
  listen(EXPERIMENT_CHANGED_CHANNEL, () => invalidate(), {
    onListening: () => {
      state.listening = true;
      invalidate(); // whatever changed before LISTEN took effect (or while reconnecting) is read now
    },
    onLost: () => (state.listening = false),
    onClosed: () => {
      state.listening = false;
      state.listenStarted = false;
    },
  }).catch((e: unknown) => {
    state.listenStarted = false;
    console.error(`[verdict] snapshot: cannot LISTEN on the config store (${(e as Error).message}); refreshing every ${SNAPSHOT_TTL_MS} ms`);
  });
}

/**
 * Calls the listener with every newly built snapshot whose content (etag) differs from the last one
 * handed out, as soon as a change is signalled. While anyone subscribes, a timer applies the TTL
 * (so a missed notification is still picked up).
 */
export function subscribeSnapshot(listener: SnapshotListener): () => void {
  ensureListening();
  state.subscribers.add(listener);
  state.timer ??= setInterval(() => {
    const age = state.cache ? Date.now() - state.cache.at : Infinity;
    if (age > (state.listening ? SNAPSHOT_BACKSTOP_MS : SNAPSHOT_TTL_MS)) void getSnapshot().catch(() => {});
  }, SNAPSHOT_TTL_MS);
  state.timer.unref?.();
  return () => {
    state.subscribers.delete(listener);
    if (state.subscribers.size === 0 && state.timer) {
      clearInterval(state.timer);
      state.timer = undefined;
    }
  };
}

function publish(built: CachedSnapshot): void {
  const last = state.published;
  if (last && (built.seq <= last.seq || built.etag === last.etag)) {
    if (last.etag === built.etag && built.seq > last.seq) state.published = built;
    return;
  }
  state.published = built;
  for (const l of state.subscribers) l(built);
}

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

async function build(seq: number): Promise<CachedSnapshot> {
  const db = await getDb();
  const rows = await db.select().from(experiments).where(ne(experiments.status, "draft")).orderBy(experiments.createdAt);
  const list = rows.map((r) => toSnapshotExperiment(toExperiment(r)));
  const etag = `"${createHash("sha1").update(JSON.stringify(list)).digest("base64url")}"`;
  const snapshot: Snapshot = { version: 1, hashVersion: 1, generatedAt: new Date().toISOString(), experiments: list };
  return { snapshot, etag, body: JSON.stringify(snapshot), seq };
}

export function getSnapshot(): Promise<CachedSnapshot> {
  ensureListening();
  const now = Date.now();
  const ttl = state.listening ? SNAPSHOT_BACKSTOP_MS : SNAPSHOT_TTL_MS;
  if (!state.cache || now - state.cache.at > ttl) {
    const value = build(++state.seq);
    state.cache = { value, at: now };
    value.then(publish, () => {
      if (state.cache?.value === value) state.cache = undefined;
    });
  }
  return state.cache.value;
}
