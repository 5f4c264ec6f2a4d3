/**
 * Targeting rules: compiled once per snapshot into closures so evaluation never re-parses
 * regexes or versions. Semantics (README.md "Targeting"): comparisons are strictly typed
 * (the string "5" does not equal the number 5); a missing attribute fails every positive
 * comparison and satisfies `neq` / `not_in`; an invalid regex or version in a rule never
 * throws here, it simply never matches (the server rejects it on write with validateRule).
 * Regexes run on RE2 (./regex.ts), in linear time: they are written by users.
 */
import { compileRegex, MAX_REGEX_LENGTH, regexError } from "./regex";
import type { AttributeValue, Rule, Unit } from "./types";

export { MAX_REGEX_INPUT_LENGTH, MAX_REGEX_LENGTH } from "./regex";

export type UnitPredicate = (unit: Unit) => boolean;

/**
 * Reads an attribute of a unit. "userId" and "instanceId" come from the unit's own fields
 * first and fall back to `attributes`; every other name reads `attributes` only.
 */
export function attributeOf(unit: Unit, name: string): AttributeValue | undefined {
  if (name === "userId" && unit.userId !== undefined) return unit.userId;
  if (name === "instanceId" && unit.instanceId !== undefined) return unit.instanceId;
  const attrs = unit.attributes;
  return attrs === undefined ? undefined : attrs[name];
}

// ---- semantic versions -------------------------------------------------------------------

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: (string | number)[];
}

const SEMVER_RE = /^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses "1.2.3", "v1.2", "2", "1.0.0-beta.2+build.5"; missing parts are 0; null if invalid. */
export function parseSemver(text: string): SemVer | null {
  const m = SEMVER_RE.exec(text.trim());
  if (m === null) return null;
  const prerelease = m[4] === undefined ? [] : m[4].split(".").map((id) => (/^\d+$/.test(id) ? Number(id) : id));
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), prerelease };
}

/** Semver 2.0 precedence: -1, 0 or 1 (build metadata ignored). */
export function compareSemver(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa.length === 0 || pb.length === 0) return pa.length === pb.length ? 0 : pa.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    if (typeof x === "number") return -1; // numeric identifiers sort before alphanumeric ones
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

// Parsing the same attribute value for many experiments is common (appVersion): a small cache
// keeps it to one parse per distinct string.
const semverCache = new Map<string, SemVer | null>();
function parseSemverCached(text: string): SemVer | null {
  let parsed = semverCache.get(text);
  if (parsed === undefined) {
    parsed = parseSemver(text);
    if (semverCache.size >= 10_000) semverCache.clear();
    semverCache.set(text, parsed);
  }
  return parsed;
}

// ---- compilation -------------------------------------------------------------------------

const NEVER: UnitPredicate = () => false;

function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Compiles a rule into a predicate. Never throws on malformed input: it becomes "no match". */
export function compileRule(rule: Rule): UnitPredicate {
  if (rule === null || typeof rule !== "object") return NEVER;
  if ("all" in rule) {
    if (!Array.isArray(rule.all)) return NEVER;
    const parts = rule.all.map(compileRule);
    if (parts.length === 1) return parts[0];
    return (unit) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i](unit)) return false;
      return true;
    };
  }
  if ("any" in rule) {
    if (!Array.isArray(rule.any)) return NEVER;
    const parts = rule.any.map(compileRule);
    if (parts.length === 1) return parts[0];
    return (unit) => {
      for (let i = 0; i < parts.length; i++) if (parts[i](unit)) return true;
      return false;
    };
  }
  if ("not" in rule) {
    const inner = compileRule(rule.not);
    return (unit) => !inner(unit);
  }
  const name = rule.attribute;
  if (typeof name !== "string") return NEVER;
  switch (rule.op) {
    case "eq": {
      const expected = rule.value;
      return (unit) => attributeOf(unit, name) === expected;
    }
    case "neq": {
      const expected = rule.value;
      return (unit) => attributeOf(unit, name) !== expected;
    }
    case "in":
    case "not_in": {
      if (!Array.isArray(rule.values)) return NEVER;
      const set = new Set<AttributeValue>(rule.values);
      const wantIn = rule.op === "in";
      return (unit) => {
        const v = attributeOf(unit, name);
        return (v !== undefined && set.has(v)) === wantIn;
      };
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const t = rule.value;
      if (!isNumber(t)) return NEVER;
      const test = NUMERIC[rule.op];
      return (unit) => {
        const v = attributeOf(unit, name);
        return isNumber(v) && test(v, t);
      };
    }
    case "semver_eq":
    case "semver_gt":
    case "semver_gte":
    case "semver_lt":
    case "semver_lte": {
      const target = typeof rule.value === "string" ? parseSemver(rule.value) : null;
      if (target === null) return NEVER;
      const test = SEMVER_TESTS[rule.op];
      return (unit) => {
        const v = attributeOf(unit, name);
        if (typeof v !== "string") return false;
        const parsed = parseSemverCached(v);
        return parsed !== null && test(compareSemver(parsed, target));
      };
    }
    case "regex": {
      const test = compileRegex(rule.value);
      if (test === null) return NEVER;
      return (unit) => {
        const v = attributeOf(unit, name);
        return v !== undefined && test(typeof v === "string" ? v : String(v));
      };
    }
    default:
      return NEVER;
  }
}

const NUMERIC = {
  gt: (a: number, b: number) => a > b,
  gte: (a: number, b: number) => a >= b,
  lt: (a: number, b: number) => a < b,
  lte: (a: number, b: number) => a <= b,
} as const;

const SEMVER_TESTS = {
  semver_eq: (c: number) => c === 0,
  semver_gt: (c: number) => c > 0,
  semver_gte: (c: number) => c >= 0,
  semver_lt: (c: number) => c < 0,
  semver_lte: (c: number) => c <= 0,
} as const;

// ---- validation (for the server, on write) ------------------------------------------------

const MAX_DEPTH = 16;

/** Lists every problem in a rule ("" path = the root); empty when the rule is valid. */
export function validateRule(rule: unknown, path = "rule", depth = 0): string[] {
  if (depth > MAX_DEPTH) return [`${path}: nested deeper than ${MAX_DEPTH} levels`];
  if (rule === null || typeof rule !== "object" || Array.isArray(rule)) return [`${path}: must be an object`];
  const r = rule as Record<string, unknown>;
  for (const group of ["all", "any"] as const) {
    if (group in r) {
      const items = r[group];
      if (!Array.isArray(items)) return [`${path}.${group}: must be an array of rules`];
      return items.flatMap((child, i) => validateRule(child, `${path}.${group}[${i}]`, depth + 1));
    }
  }
  if ("not" in r) return validateRule(r.not, `${path}.not`, depth + 1);
  const problems: string[] = [];
  if (typeof r.attribute !== "string" || r.attribute.length === 0) problems.push(`${path}.attribute: must be a non-empty string`);
  const isScalar = (v: unknown) => typeof v === "string" || typeof v === "boolean" || isNumber(v);
  switch (r.op) {
    case "eq":
    case "neq":
      if (!isScalar(r.value)) problems.push(`${path}.value: must be a string, finite number or boolean`);
      break;
    case "in":
    case "not_in":
      if (!Array.isArray(r.values) || !r.values.every(isScalar)) problems.push(`${path}.values: must be an array of strings, numbers or booleans`);
      break;
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      if (!isNumber(r.value)) problems.push(`${path}.value: must be a finite number`);
      break;
    case "semver_eq":
    case "semver_gt":
    case "semver_gte":
    case "semver_lt":
    case "semver_lte":
      if (typeof r.value !== "string" || parseSemver(r.value) === null) problems.push(`${path}.value: must be a semantic version such as "1.4.0"`);
      break;
    case "regex":
      if (typeof r.value !== "string") problems.push(`${path}.value: must be a regular expression string`);
      else if (r.value.length > MAX_REGEX_LENGTH) problems.push(`${path}.value: regex longer than ${MAX_REGEX_LENGTH} characters`);
      else {
        const error = regexError(r.value);
        if (error !== null) problems.push(`${path}.value: invalid regular expression (RE2 syntax): ${error}`);
      }
      break;
    default:
      problems.push(`${path}.op: unknown operator ${JSON.stringify(r.op)}`);
  }
  return problems;
}
