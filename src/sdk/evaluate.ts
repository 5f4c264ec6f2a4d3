/**
 * Pure assignment: (experiment, unit) -> assignment. The server's POST /api/v1/assign and the
 * SDK both call this module, so they cannot disagree. Semantics: README.md "Evaluation".
 *
 * Speed comes from compiling each experiment once (seed hash state, ranges, targeting
 * closures, forced map) and from returning pre-built frozen assignment objects, so an
 * evaluation allocates nothing. Compiled forms are cached by object identity: treat
 * snapshots as immutable and build a new object for every change.
 */
import { bucketFrom, seedState } from "./hash";
import { attributeOf, compileRule, type UnitPredicate } from "./targeting";
import type { Assignment, AssignmentReason, DetailedAssignment, Snapshot, SnapshotExperiment, Unit } from "./types";

export interface CompiledExperiment {
  readonly key: string;
  readonly source: SnapshotExperiment;
  /** The assignment plus why; both objects are frozen and shared between calls. */
  evaluateDetailed(unit: Unit): DetailedAssignment;
  evaluate(unit: Unit): Assignment;
}

export interface CompiledSnapshot {
  readonly snapshot: Snapshot;
  readonly experiments: readonly CompiledExperiment[];
  /** The compiled experiment with this key, or undefined. */
  get(experimentKey: string): CompiledExperiment | undefined;
  /** One assignment per experiment of the snapshot, in snapshot order. */
  evaluateAll(unit: Unit): Assignment[];
}

/** Stage reported for an assignment: exposure as a percentage, rounded to 0.01. */
function stageOf(exposure: number): number {
  return Math.round(exposure * 10000) / 100;
}

/** The unit's id for hashing; numbers and booleans are hashed as their JSON text. */
function unitIdOf(unit: Unit, hashAttribute: string): string | undefined {
  const v = attributeOf(unit, hashAttribute);
  if (v === undefined || v === null || v === "") return undefined;
  return typeof v === "string" ? v : String(v);
}

function compileExperimentUncached(exp: SnapshotExperiment): CompiledExperiment {
  const { key, strategy, control, treatment } = exp;
  const paused = exp.status === "paused";
  const outcome = (variant: string, exposed: boolean, reason: AssignmentReason, stage = stageOf(exp.exposure)): DetailedAssignment =>
    Object.freeze({
      assignment: Object.freeze({ experiment: key, variant, exposed: exposed && !paused, strategy, stage }),
      reason,
      paused,
    });
  const constant = (d: DetailedAssignment): CompiledExperiment => ({
    key,
    source: exp,
    evaluateDetailed: () => d,
    evaluate: () => d.assignment,
  });

  if (exp.status === "rolled_back") return constant(outcome(control, false, "rolled_back", 0));
  if (exp.status === "promoted" || exp.status === "completed") return constant(outcome(exp.shipped ?? control, false, "shipped", 100));
  if (exp.enabled === false) return constant(outcome(control, false, "disabled"));

  const hashAttribute = exp.hashAttribute || "userId";
  const seed = seedState(exp.seed);
  const missingUnit = outcome(control, false, "missing_unit");
  const outsideLayer = outcome(control, false, "outside_layer");
  const targetingMiss = outcome(control, false, "targeting_miss");
  const outsideSplit = outcome(control, false, "outside_split");
  const controlExposed = outcome(control, true, "split");
  const treatmentExposed = outcome(treatment, true, "split");

  const forcedEntries = Object.entries(exp.forced ?? {});
  const forced = forcedEntries.length === 0 ? null : new Map(forcedEntries.map(([id, v]) => [id, outcome(v, false, "forced")]));
  const layer = exp.layer;
  const layerState = layer === null || layer === undefined ? 0 : seedState("layer:" + layer.key);
  const layerStart = layer?.start ?? 0;
  const layerEnd = layer?.end ?? 1;
  const targeting: UnitPredicate | null = exp.targeting === null || exp.targeting === undefined ? null : compileRule(exp.targeting);
  const s = exp.exposure;

  // The strategy step, run once forced / layer / targeting have let the unit through.
  let split: (b: number, unit: Unit) => DetailedAssignment;
  switch (strategy) {
    case "ab": {
      // Range i = [cum_i, cum_i + w_i * exposure): growing coverage only widens ranges in place.
      const n = exp.variants.length;
      const starts = new Float64Array(n);
      const ends = new Float64Array(n);
      const arms = exp.variants.map((v) => outcome(v.key, true, "split"));
      let cum = 0;
      for (let i = 0; i < n; i++) {
        starts[i] = cum;
        ends[i] = cum + exp.variants[i].weight * s;
        cum += exp.variants[i].weight;
      }
      split = (b) => {
        for (let i = 0; i < n; i++) if (b >= starts[i] && b < ends[i]) return arms[i];
        return outsideSplit;
      };
      break;
    }
    case "canary":
      // Treatment [0, s); baseline the same size at the top, [1 - s, 1), or all the rest above 50 %.
      if (s >= 1) split = () => treatmentExposed;
      else if (s <= 0.5) split = (b) => (b < s ? treatmentExposed : b >= 1 - s ? controlExposed : outsideSplit);
      else split = (b) => (b < s ? treatmentExposed : controlExposed);
      break;
    case "rolling":
    case "toggle":
      // Released / switched-on share at the bottom; everyone else is the comparison group. A
      // toggle with groups (`toggle`) has a holdback instead (toggleSplit).
      split =
        strategy === "toggle" && exp.toggle
          ? toggleSplit(exp.toggle, { treatmentExposed, holdback: outcome(control, true, "holdback"), outsideSplit, targetingMiss })
          : (b) => (b < s ? treatmentExposed : controlExposed);
      break;
    case "blue_green":
      split = () => treatmentExposed; // unused: blue_green is handled before bucketing
      break;
    default:
      split = () => outsideSplit;
  }

  if (strategy === "blue_green") {
    // No bucketing: everyone is served the live environment; verification traffic the idle one.
    const liveKey = exp.live ?? control;
    const idleKey = exp.variants.find((v) => v.key !== liveKey)?.key ?? (liveKey === control ? treatment : control);
    const live = outcome(liveKey, true, "live", 100);
    const verification = outcome(idleKey, true, "verification", 100);
    const share = typeof exp.verificationShare === "number" && exp.verificationShare > 0 ? exp.verificationShare : 0;
    const evaluateDetailed = (unit: Unit): DetailedAssignment => {
      const id = forced !== null || share > 0 ? unitIdOf(unit, hashAttribute) : undefined;
      if (forced !== null) {
        const f = id === undefined ? undefined : forced.get(id);
        if (f !== undefined) return f;
      }
      if (targeting !== null && targeting(unit)) return verification;
      // a configured share of identified traffic verifies the idle side too (anonymous: live)
      return share > 0 && id !== undefined && bucketFrom(seed, id) < share ? verification : live;
    };
    return { key, source: exp, evaluateDetailed, evaluate: (unit) => evaluateDetailed(unit).assignment };
  }

  const evaluateDetailed = (unit: Unit): DetailedAssignment => {
    const id = unitIdOf(unit, hashAttribute);
    if (id === undefined) return missingUnit;
    if (forced !== null) {
      const f = forced.get(id);
      if (f !== undefined) return f;
    }
    if (layer !== null && layer !== undefined) {
      const lb = bucketFrom(layerState, id);
      if (lb < layerStart || lb >= layerEnd) return outsideLayer;
    }
    if (targeting !== null && !targeting(unit)) return targetingMiss;
    return split(bucketFrom(seed, id), unit);
  };
  return { key, source: exp, evaluateDetailed, evaluate: (unit) => evaluateDetailed(unit).assignment };
}

/**
 * Toggle with groups: the holdback is the top slice [1 - h, 1) of every released group (off,
 * exposed: the comparison); a unit is on when b < p·(1 - h) for the largest percentage p among
 * the released groups it matches. Releasing a group or raising a percentage only grows that
 * maximum, so nobody already on is ever switched off; units left between are off, unexposed.
 */
function toggleSplit(
  t: NonNullable<SnapshotExperiment["toggle"]>,
  o: { treatmentExposed: DetailedAssignment; holdback: DetailedAssignment; outsideSplit: DetailedAssignment; targetingMiss: DetailedAssignment },
): (b: number, unit: Unit) => DetailedAssignment {
  const h = Number.isFinite(t.holdback) ? Math.min(Math.max(t.holdback, 0), 1) : 0;
  const groups = t.groups.map((g) => ({ match: g.targeting === null || g.targeting === undefined ? null : compileRule(g.targeting), cover: g.exposure * (1 - h) }));
  return (b, unit) => {
    let cover = -1;
    for (const g of groups) if (g.cover > cover && (g.match === null || g.match(unit))) cover = g.cover;
    if (cover < 0) return o.targetingMiss;
    if (b >= 1 - h) return o.holdback;
    return b < cover ? o.treatmentExposed : o.outsideSplit;
  };
}

const experimentCache = new WeakMap<SnapshotExperiment, CompiledExperiment>();
const snapshotCache = new WeakMap<Snapshot, CompiledSnapshot>();

/** Compiles (or fetches from the identity cache) one experiment. */
export function compileExperiment(exp: SnapshotExperiment): CompiledExperiment {
  let compiled = experimentCache.get(exp);
  if (compiled === undefined) {
    compiled = compileExperimentUncached(exp);
    experimentCache.set(exp, compiled);
  }
  return compiled;
}

/** Compiles (or fetches from the identity cache) a whole snapshot into a fast evaluator. */
export function compileSnapshot(snapshot: Snapshot): CompiledSnapshot {
  let compiled = snapshotCache.get(snapshot);
  if (compiled !== undefined) return compiled;
  const experiments = snapshot.experiments.map(compileExperiment);
  const byKey = new Map(experiments.map((e) => [e.key, e]));
  const n = experiments.length;
  compiled = {
    snapshot,
    experiments,
    get: (experimentKey) => byKey.get(experimentKey),
    evaluateAll(unit) {
      const out = new Array<Assignment>(n);
      for (let i = 0; i < n; i++) out[i] = experiments[i].evaluate(unit);
      return out;
    },
  };
  snapshotCache.set(snapshot, compiled);
  return compiled;
}

/** The assignment of one unit in one experiment. */
export function evaluate(experiment: SnapshotExperiment, unit: Unit): Assignment {
  return compileExperiment(experiment).evaluate(unit);
}

/** Assignment plus reason (used by the OpenFeature provider and for debugging). */
export function evaluateDetailed(experiment: SnapshotExperiment, unit: Unit): DetailedAssignment {
  return compileExperiment(experiment).evaluateDetailed(unit);
}

/** One assignment per experiment of the snapshot, in snapshot order. */
export function evaluateAll(snapshot: Snapshot, unit: Unit): Assignment[] {
  return compileSnapshot(snapshot).evaluateAll(unit);
}
