// The create/edit form's state, the per-strategy defaults a release manager would pick, and the
// conversion to the API's request body (src/server/experiments/schemas.ts is the contract).
import { DEFAULT_BAKE_MINUTES, DEFAULT_BATCH_SIZE, DEFAULT_CANARY_STAGES, DEFAULT_TOGGLE_HOLDBACK, defaultSafetyRollout, defaultVariants } from "@/server/experiments/defaults";
// the registry file itself (pure data), not @/server/evidence, whose index would bring the ClickHouse client into the browser bundle
import { builtInMetrics } from "@/server/evidence/metrics";
import type { Experiment } from "@/server/experiments/types";
import type { Rule, Strategy } from "@/sdk/types";

export type Automation = Experiment["automation"];

export const STRATEGY_INFO: Record<Strategy, { label: string; help: string }> = {
  canary: { label: "Canary", help: "Treatment to a growing share of users (5 → 20 → 50 → 100 %), compared 1:1 with a baseline slice at every stage." },
  ab: { label: "A/B test", help: "Fixed weights; the primary metric must win before a variant ships." },
  blue_green: { label: "Blue-green", help: "Two environments; one live pointer switched atomically, switched back instantly." },
  rolling: { label: "Rolling", help: "Server instances move to the new version one batch at a time." },
  toggle: { label: "Feature toggle", help: "Targeting widens group by group; a kill switch turns it off everywhere." },
};

export const CONDITION_OPS = ["eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "semver_eq", "semver_gt", "semver_gte", "semver_lt", "semver_lte", "regex"] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
export interface Condition {
  attribute: string;
  op: ConditionOp;
  value: string;
}
export interface ToggleGroup {
  name: string;
  attribute: string;
  values: string;
  percentage: string;
}
export interface GuardrailRow {
  metric: string;
  tolerance: string;
  promotionMargin: string;
  limit: string;
}

export interface FormState {
  key: string;
  name: string;
  hypothesis: string;
  strategy: Strategy;
  variants: { key: string; weight: string }[];
  stages: string;
  coverage: string;
  batchSize: string;
  initialLive: string;
  /** toggle: percent of each group kept on the old behaviour */
  holdback: string;
  /** blue_green: percent of traffic verifying the idle side ("" = the default), bake minutes */
  verificationShare: string;
  bakeMinutes: string;
  groups: ToggleGroup[];
  minExposuresPerArm: string;
  minDurationMinutes: string;
  match: "all" | "any";
  conditions: Condition[];
  /** targeting too complex for the flat builder: edited as JSON */
  targetingJson: string | null;
  primary: string;
  guardrails: GuardrailRow[];
  alpha: string;
  /** segment attributes, comma-separated (≤ 5) */
  segments: string;
  safetyRollout: boolean;
  automation: Automation;
  databaseBackwardCompatible: boolean;
  rollbackNotes: string;
  rerandomize: boolean;
}

/** The built-in metrics the form suggests, with a guardrail's defaults on each (when it has its own). */
export const METRIC_OPTIONS = builtInMetrics()
  .filter((m) => m.offered)
  .map((m) => ({ name: m.name, guardrail: m.guardrail ?? null }));

const DEFAULT_GUARDRAILS: GuardrailRow[] = ["error_rate", "page_load_time", "page_load_p95", "feedback_score"].map((metric) => ({ metric, tolerance: "", promotionMargin: "", limit: "" }));

function defaultGroups(): ToggleGroup[] {
  return [
    { name: "admins", attribute: "role", values: "admin", percentage: "100" },
    { name: "beta users", attribute: "role", values: "beta", percentage: "100" },
    { name: "everyone", attribute: "", values: "", percentage: "10" },
  ];
}

/** Strategy-dependent fields reset to that strategy's defaults; everything else is kept. */
export function withStrategy(s: FormState, strategy: Strategy): FormState {
  return {
    ...s,
    strategy,
    variants: defaultVariants(strategy).map((v) => ({ key: v.key, weight: String(v.weight) })),
    stages: strategy === "canary" ? DEFAULT_CANARY_STAGES.join(", ") : "",
    coverage: "100",
    batchSize: String(DEFAULT_BATCH_SIZE),
    initialLive: strategy === "blue_green" ? "blue" : "",
    holdback: String(DEFAULT_TOGGLE_HOLDBACK),
    verificationShare: "",
    bakeMinutes: String(DEFAULT_BAKE_MINUTES),
    groups: strategy === "toggle" ? defaultGroups() : [],
    safetyRollout: defaultSafetyRollout(strategy),
  };
}

export function emptyForm(): FormState {
  return withStrategy(
    {
      key: "",
      name: "",
      hypothesis: "",
      strategy: "canary",
      variants: [],
      stages: "",
      coverage: "100",
      batchSize: "25",
      initialLive: "",
      holdback: String(DEFAULT_TOGGLE_HOLDBACK),
      verificationShare: "",
      bakeMinutes: String(DEFAULT_BAKE_MINUTES),
      groups: [],
      minExposuresPerArm: "100",
      minDurationMinutes: "60",
      match: "all",
      conditions: [],
      targetingJson: null,
      primary: "engagement_rate",
      guardrails: DEFAULT_GUARDRAILS,
      alpha: "0.05",
      segments: "",
      safetyRollout: true,
      automation: "auto-rollback",
      databaseBackwardCompatible: true,
      rollbackNotes: "",
      rerandomize: false,
    },
    "canary",
  );
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

export function fromExperiment(e: Experiment): FormState {
  const flat = flattenTargeting(e.targeting);
  return {
    ...emptyForm(),
    key: e.key,
    name: e.name,
    hypothesis: e.hypothesis,
    strategy: e.strategy,
    variants: e.variants.map((v) => ({ key: v.key, weight: String(v.weight) })),
    stages: e.rollout.stages.join(", "),
    coverage: str(e.rollout.coverage ?? 100),
    batchSize: str(e.rollout.batchSize ?? DEFAULT_BATCH_SIZE),
    initialLive: str(e.rollout.initialLive ?? (e.strategy === "blue_green" ? e.control : "")),
    holdback: str(e.rollout.holdback ?? DEFAULT_TOGGLE_HOLDBACK),
    verificationShare: e.rollout.verificationShare === undefined ? "" : str(e.rollout.verificationShare),
    bakeMinutes: str(e.rollout.bakeMinutes ?? DEFAULT_BAKE_MINUTES),
    groups: (e.rollout.groups ?? []).map((g) => {
      const r = g.rule as { attribute?: string; values?: unknown[] } | null;
      return { name: g.name, attribute: r?.attribute ?? "", values: (r?.values ?? []).join(", "), percentage: str(g.percentage) };
    }),
    minExposuresPerArm: str(e.rollout.minExposuresPerArm),
    minDurationMinutes: str(e.rollout.minDurationMinutes),
    match: flat?.match ?? "all",
    conditions: flat?.conditions ?? [],
    targetingJson: flat ? null : JSON.stringify(e.targeting, null, 2),
    primary: e.metrics.primary,
    guardrails: e.metrics.guardrails.map((g) => ({ metric: g.metric, tolerance: str(g.tolerance), promotionMargin: str(g.promotionMargin), limit: str(g.limit) })),
    alpha: str(e.metrics.alpha),
    segments: (e.segments ?? []).join(", "),
    safetyRollout: e.metrics.safetyRollout ?? defaultSafetyRollout(e.strategy),
    automation: e.automation,
    databaseBackwardCompatible: e.rollbackPlan.databaseBackwardCompatible,
    rollbackNotes: e.rollbackPlan.notes,
  };
}

function flattenTargeting(rule: Rule | null): { match: "all" | "any"; conditions: Condition[] } | null {
  if (!rule) return { match: "all", conditions: [] };
  const leaves = "all" in rule ? rule.all : "any" in rule ? rule.any : [rule];
  const conditions: Condition[] = [];
  for (const l of leaves) {
    if (!("attribute" in l)) return null;
    conditions.push({ attribute: l.attribute, op: l.op, value: "values" in l ? l.values.join(", ") : String(l.value) });
  }
  return { match: "any" in rule ? "any" : "all", conditions };
}

/** Numbers stay strings in the form; empty means "use the server's default". */
function num(v: string): number | undefined {
  if (v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

function list(v: string): string[] {
  return v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

function conditionRule(c: Condition): Rule {
  if (c.op === "in" || c.op === "not_in") return { attribute: c.attribute, op: c.op, values: list(c.value) };
  if (c.op === "gt" || c.op === "gte" || c.op === "lt" || c.op === "lte") return { attribute: c.attribute, op: c.op, value: num(c.value) ?? NaN };
  if (c.op === "eq" || c.op === "neq") return { attribute: c.attribute, op: c.op, value: c.value === "true" ? true : c.value === "false" ? false : c.value };
  return { attribute: c.attribute, op: c.op, value: c.value } as Rule;
}

export function targetingOf(s: FormState): Rule | null | "invalid-json" {
  if (s.targetingJson !== null) {
    if (!s.targetingJson.trim()) return null;
    try {
      return JSON.parse(s.targetingJson) as Rule;
    } catch {
      return "invalid-json";
    }
  }
  const rules = s.conditions.map(conditionRule);
  if (rules.length === 0) return null;
  if (rules.length === 1) return rules[0];
  return s.match === "all" ? { all: rules } : { any: rules };
}

/** The request body; `strip` removes what PATCH does not accept. */
export function toPayload(s: FormState, mode: "create" | "edit"): Record<string, unknown> {
  const rollout: Record<string, unknown> = { minExposuresPerArm: num(s.minExposuresPerArm), minDurationMinutes: num(s.minDurationMinutes) };
  if (s.strategy === "canary") rollout.stages = list(s.stages).map(Number);
  if (s.strategy === "ab") rollout.coverage = num(s.coverage);
  if (s.strategy === "rolling") rollout.batchSize = num(s.batchSize);
  if (s.strategy === "blue_green" && s.initialLive) rollout.initialLive = s.initialLive;
  if (s.strategy === "blue_green") {
    rollout.bakeMinutes = num(s.bakeMinutes);
    if (s.verificationShare.trim()) rollout.verificationShare = num(s.verificationShare);
  }
  if (s.strategy === "toggle") rollout.holdback = num(s.holdback);
  if (s.strategy === "toggle")
    rollout.groups = s.groups.map((g) => ({ name: g.name, rule: g.attribute.trim() ? { attribute: g.attribute.trim(), op: "in", values: list(g.values) } : null, percentage: num(g.percentage) }));
  const targeting = targetingOf(s);
  const body: Record<string, unknown> = {
    name: s.name,
    hypothesis: s.hypothesis,
    variants: s.variants.map((v) => ({ key: v.key.trim(), weight: num(v.weight) ?? NaN })),
    targeting: targeting === "invalid-json" ? "invalid" : targeting,
    rollout,
    metrics: {
      primary: s.primary,
      guardrails: s.guardrails.filter((g) => g.metric.trim()).map((g) => ({ metric: g.metric.trim(), tolerance: num(g.tolerance), promotionMargin: num(g.promotionMargin), limit: num(g.limit) })),
      secondary: [],
      alpha: num(s.alpha),
      srmThreshold: 0.001,
      safetyRollout: s.safetyRollout,
    },
    segments: list(s.segments),
    automation: s.automation,
    rollbackPlan: { databaseBackwardCompatible: s.databaseBackwardCompatible, notes: s.rollbackNotes },
  };
  if (mode === "create") return { key: s.key.trim(), strategy: s.strategy, ...body };
  return s.rerandomize ? { ...body, rerandomize: true } : body;
}

/** Checks the browser can do before asking the server (which checks everything again). */
export function clientErrors(s: FormState): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const total = s.variants.reduce((sum, v) => sum + (Number(v.weight) || 0), 0);
  if (Math.abs(total - 1) > 1e-6) out.push({ path: "variants", message: `variant weights must sum to 1 (they sum to ${Math.round(total * 1e4) / 1e4})` });
  if (s.strategy === "canary") {
    const stages = list(s.stages).map(Number);
    if (stages.some((x) => !Number.isFinite(x) || x <= 0 || x > 100)) out.push({ path: "rollout.stages", message: "stages are percentages between 0 and 100" });
    else if (stages.some((x, i) => i > 0 && x <= stages[i - 1])) out.push({ path: "rollout.stages", message: "stages must increase" });
    else if (stages[stages.length - 1] !== 100) out.push({ path: "rollout.stages", message: "the last canary stage must be 100" });
  }
  if (targetingOf(s) === "invalid-json") out.push({ path: "targeting", message: "targeting is not valid JSON" });
  return out;
}
