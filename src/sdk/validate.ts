/**
 * Structural checks the server runs before storing or serving an experiment, so that the
 * evaluator (which never throws) is only ever fed meaningful snapshots.
 */
import { validateRule } from "./targeting";
import type { Snapshot, SnapshotExperiment } from "./types";

const STRATEGIES = new Set(["ab", "canary", "blue_green", "rolling", "toggle"]);
const STATUSES = new Set(["running", "paused", "promoted", "rolled_back", "completed"]);
const WEIGHT_TOLERANCE = 1e-9;

function isFraction(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 1;
}

/** Every problem with one snapshot experiment; empty when it is valid. */
export function validateExperiment(exp: SnapshotExperiment, path = "experiment"): string[] {
  const problems: string[] = [];
  const add = (field: string, message: string) => problems.push(`${path}.${field}: ${message}`);
  if (typeof exp.key !== "string" || exp.key.length === 0) add("key", "must be a non-empty string");
  if (!STRATEGIES.has(exp.strategy)) add("strategy", `unknown strategy ${JSON.stringify(exp.strategy)}`);
  if (!STATUSES.has(exp.status)) add("status", `unknown status ${JSON.stringify(exp.status)}`);
  if (typeof exp.seed !== "string" || exp.seed.length === 0) add("seed", "must be a non-empty string");
  if (typeof exp.hashAttribute !== "string" || exp.hashAttribute.length === 0) add("hashAttribute", "must be a non-empty string");
  if (!isFraction(exp.exposure)) add("exposure", "must be a number in [0, 1]");
  if (typeof exp.enabled !== "boolean") add("enabled", "must be a boolean");

  const keys = new Set<string>();
  if (!Array.isArray(exp.variants) || exp.variants.length < 2) add("variants", "needs at least two variants");
  else {
    let sum = 0;
    exp.variants.forEach((v, i) => {
      if (typeof v.key !== "string" || v.key.length === 0) add(`variants[${i}].key`, "must be a non-empty string");
      else if (keys.has(v.key)) add(`variants[${i}].key`, `duplicate variant ${JSON.stringify(v.key)}`);
      keys.add(v.key);
      if (!isFraction(v.weight)) add(`variants[${i}].weight`, "must be a number in [0, 1]");
      else sum += v.weight;
    });
    if (Math.abs(sum - 1) > WEIGHT_TOLERANCE) add("variants", `weights must sum to 1 (got ${sum})`);
    if (exp.variants[0]?.key !== exp.control) add("control", "must be the key of variants[0]");
  }
  const known = (field: string, v: unknown) => {
    if (typeof v !== "string" || !keys.has(v)) add(field, `must be one of the variant keys, got ${JSON.stringify(v)}`);
  };
  known("control", exp.control);
  known("treatment", exp.treatment);
  if (exp.strategy !== "ab" && exp.treatment === exp.control) add("treatment", "must differ from control");
  if (exp.strategy === "blue_green") {
    known("live", exp.live);
    if (exp.variants?.length !== 2) add("variants", "blue_green needs exactly two environments");
  } else if (exp.live !== null) add("live", "only blue_green experiments have a live environment");
  if (exp.status === "promoted" || exp.status === "completed") known("shipped", exp.shipped);
  if (exp.forced === null || typeof exp.forced !== "object") add("forced", "must be an object");
  else for (const [unit, v] of Object.entries(exp.forced)) known(`forced[${JSON.stringify(unit)}]`, v);
  if (exp.targeting !== null) problems.push(...validateRule(exp.targeting, `${path}.targeting`));
  if (exp.toggle !== undefined && exp.toggle !== null) {
    const t = exp.toggle;
    if (exp.strategy !== "toggle") add("toggle", "only toggle experiments have groups and a holdback");
    if (!isFraction(t.holdback) || t.holdback > 0.5) add("toggle.holdback", "must be a number in [0, 0.5]");
    if (!Array.isArray(t.groups)) add("toggle.groups", "must be an array");
    else
      t.groups.forEach((g, i) => {
        if (!isFraction(g?.exposure)) add(`toggle.groups[${i}].exposure`, "must be a number in [0, 1]");
        if (g?.targeting !== null && g?.targeting !== undefined) problems.push(...validateRule(g.targeting, `${path}.toggle.groups[${i}].targeting`));
      });
  }
  if (exp.verificationShare !== undefined) {
    if (exp.strategy !== "blue_green") add("verificationShare", "only blue_green experiments have verification traffic");
    if (!isFraction(exp.verificationShare)) add("verificationShare", "must be a number in [0, 1]");
  }
  if (exp.layer !== null) {
    const l = exp.layer;
    if (typeof l?.key !== "string" || l.key.length === 0) add("layer.key", "must be a non-empty string");
    if (!isFraction(l?.start) || !isFraction(l?.end) || l.start >= l.end) add("layer", "needs 0 <= start < end <= 1");
  }
  return problems;
}

/** Every problem in a snapshot, including overlapping slices of one layer. */
export function validateSnapshot(snapshot: Snapshot): string[] {
  const problems: string[] = [];
  if (snapshot.version !== 1) problems.push("snapshot.version: must be 1");
  if (snapshot.hashVersion !== 1) problems.push("snapshot.hashVersion: must be 1");
  if (!Array.isArray(snapshot.experiments)) return [...problems, "snapshot.experiments: must be an array"];
  const seen = new Set<string>();
  const slices = new Map<string, { key: string; start: number; end: number }[]>();
  snapshot.experiments.forEach((exp, i) => {
    problems.push(...validateExperiment(exp, `snapshot.experiments[${i}]`));
    if (seen.has(exp.key)) problems.push(`snapshot.experiments[${i}].key: duplicate ${JSON.stringify(exp.key)}`);
    seen.add(exp.key);
    if (exp.layer) {
      const list = slices.get(exp.layer.key) ?? [];
      for (const other of list) {
        if (exp.layer.start < other.end && other.start < exp.layer.end) {
          problems.push(`snapshot.experiments[${i}].layer: overlaps ${JSON.stringify(other.key)} in layer ${JSON.stringify(exp.layer.key)}`);
        }
      }
      list.push({ key: exp.key, start: exp.layer.start, end: exp.layer.end });
      slices.set(exp.layer.key, list);
    }
  });
  return problems;
}
