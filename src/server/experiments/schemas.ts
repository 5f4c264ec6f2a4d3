// The experiment contract: zod schemas validate every write and generate the OpenAPI document.
import { z } from "zod";
import type { Rule } from "@/sdk/types";
import { AUTOMATION_MODES, STATUSES, STRATEGIES } from "@/db/schema";
import { MAX_REGEX_LENGTH, regexError } from "@/sdk/regex";
import { text } from "@/server/schemas/text";

export const slug = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lowercase letters, digits, '-' or '_', starting with a letter or digit");

export const variantKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "must be letters, digits, '-' or '_'");

const attribute = text().min(1).max(100);
const scalar = z.union([text().max(500), z.number(), z.boolean()]);

const SEMVER = /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const RuleSchema: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.object({ attribute, op: z.enum(["eq", "neq"]), value: scalar }).strict(),
    z.object({ attribute, op: z.enum(["in", "not_in"]), values: z.array(scalar).min(1).max(1000) }).strict(),
    z.object({ attribute, op: z.enum(["gt", "gte", "lt", "lte"]), value: z.number().finite() }).strict(),
    z.object({ attribute, op: z.enum(["semver_eq", "semver_gt", "semver_gte", "semver_lt", "semver_lte"]), value: z.string().regex(SEMVER, "must be a semantic version such as 2.4.0") }).strict(),
    z
      .object({
        attribute,
        op: z.literal("regex"),
        // RE2, as the evaluator runs it (src/sdk/regex.ts): a backtracking check here would accept
        // patterns the evaluator can never match, and a pathological one would be run as is.
        value: text()
          .max(MAX_REGEX_LENGTH)
          .superRefine((v, ctx) => {
            const error = regexError(v);
            if (error !== null) ctx.addIssue({ code: "custom", message: `must be a regular expression in RE2 syntax (no backreferences or lookarounds): ${error}` });
          })
          .describe("RE2 syntax, unanchored search, no flags; backreferences and lookarounds are refused"),
      })
      .strict(),
    z.object({ all: z.array(RuleSchema).min(1).max(50) }).strict(),
    z.object({ any: z.array(RuleSchema).min(1).max(50) }).strict(),
    z.object({ not: RuleSchema }).strict(),
  ]),
);

export const VariantSchema = z.object({
  key: variantKey,
  weight: z.number().min(0).max(1),
  description: text().max(500).optional(),
});

export const GuardrailSchema = z.object({
  metric: text().min(1).max(100),
  /** harm tolerated before a rollback, relative to control (0.05 = +5 %) or absolute when `absolute` */
  tolerance: z.number().min(0).optional(),
  /** harm that a promotion must rule out */
  promotionMargin: z.number().min(0).optional(),
  absolute: z.boolean().optional(),
  /** absolute limit on the treatment's value (e.g. error rate 0.02); breaching it rolls back */
  limit: z.number().optional(),
});

export const MetricsSchema = z.object({
  primary: text().min(1).max(100).default("engagement_rate"),
  guardrails: z
    .array(GuardrailSchema)
    .max(20)
    .default([{ metric: "error_rate" }, { metric: "page_load_time" }, { metric: "page_load_p95" }, { metric: "feedback_score" }]),
  secondary: z.array(text().min(1).max(100)).max(20).default([]),
  alpha: z.number().gt(0).lt(0.5).default(0.05),
  srmThreshold: z.number().gt(0).lt(0.5).default(0.001),
  /** a safety rollout promotes on "no harm"; an A/B test also needs the primary metric to win.
   *  Absent: defaultSafetyRollout(strategy), filled in when the experiment is created */
  safetyRollout: z.boolean().optional(),
});

/** Segment attributes (issue 16): results and guardrails are broken down by each unit's value of
 *  these attributes at its first exposure. Names as an SDK sends attribute keys; at most 5, unique. */
export const MAX_SEGMENTS = 5;
export const segmentAttribute = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "must be an attribute name: letters, digits, '_', '.' or '-', starting with a letter or '_'");
export const SegmentsSchema = z
  .array(segmentAttribute)
  .max(MAX_SEGMENTS)
  .refine((xs) => new Set(xs).size === xs.length, { message: "segment attributes must be unique" })
  .describe("attributes (at first exposure) by which results and guardrails are broken down; at most 5");

const percent = z.number().gt(0).max(100);

export const RolloutSchema = z
  .object({
    stages: z.array(percent).min(1).max(20).optional(),
    minExposuresPerArm: z.number().int().min(1).default(100),
    minDurationMinutes: z.number().min(0).default(60),
    /** ab: share of eligible traffic in the experiment */
    coverage: percent.optional(),
    /** rolling: share of instances released per batch */
    batchSize: percent.optional(),
    /** toggle: targeting groups widened one at a time; the last may be everyone with a percentage */
    groups: z
      .array(z.object({ name: text().min(1).max(100), rule: RuleSchema.nullable(), percentage: percent.default(100) }))
      .max(20)
      .optional(),
    /** blue_green: the environment live when the experiment starts */
    initialLive: variantKey.optional(),
    /** toggle: percent of every released group kept on the old behaviour ("off", exposed) as the
     *  comparison group; 10 when created without it (absent on older experiments = 0). 0 leaves only absolute limits */
    holdback: z
      .number()
      .min(0)
      .max(50)
      .optional()
      .describe("toggle: percent of every released group kept on the old behaviour (off, exposed) as the comparison; 10 when created without it; 0 = absolute limits only"),
    /** blue_green: percent of identified traffic sent to the idle side before the switch, on top of
     *  targeted internal users; created without it: 5 without targeting, 0 with it (absent = 0) */
    verificationShare: z
      .number()
      .min(0)
      .max(50)
      .optional()
      .describe("blue_green: percent of identified traffic sent to the idle side before the switch (plus targeted users); created without it: 5 without targeting, 0 with it"),
    /** blue_green: minutes after the switch during which the previous side stays ready and the new
     *  live side is judged against its own users' baseline; absent = 30, 0 = no bake */
    bakeMinutes: z
      .number()
      .min(0)
      .max(10_080)
      .optional()
      .describe("blue_green: minutes after the switch during which the new live side is judged against its users' own baseline, previous side kept ready; default 30, 0 = no bake"),
  })
  .strict();

export const RollbackPlanSchema = z.object({
  target: text().max(100).optional(),
  databaseBackwardCompatible: z.boolean().default(true),
  notes: text().max(2000).default(""),
});

export const LayerSchema = z.object({ key: slug, start: z.number().min(0).max(1), end: z.number().min(0).max(1) }).refine((l) => l.end > l.start, {
  message: "end must be greater than start",
  path: ["end"],
});

export const CreateExperimentSchema = z
  .object({
    key: slug,
    name: text().trim().min(1).max(200),
    hypothesis: text().max(5000).default(""),
    strategy: z.enum(STRATEGIES),
    variants: z.array(VariantSchema).min(2).max(10).optional(),
    control: variantKey.optional(),
    treatment: variantKey.optional(),
    targeting: RuleSchema.nullable().default(null),
    forced: z.record(text().min(1).max(200), variantKey).default({}),
    hashAttribute: text().min(1).max(100).optional(),
    layer: LayerSchema.nullable().default(null),
    rollout: RolloutSchema.default({ minExposuresPerArm: 100, minDurationMinutes: 60 }),
    metrics: MetricsSchema.default(MetricsSchema.parse({})),
    segments: SegmentsSchema.default([]),
    automation: z.enum(AUTOMATION_MODES).default("auto-rollback"),
    rollbackPlan: RollbackPlanSchema.default({ databaseBackwardCompatible: true, notes: "" }),
  })
  .strict();
export type CreateExperimentInput = z.input<typeof CreateExperimentSchema>;

export const UpdateExperimentSchema = z
  .object({
    name: text().trim().min(1).max(200),
    hypothesis: text().max(5000),
    variants: z.array(VariantSchema).min(2).max(10),
    targeting: RuleSchema.nullable(),
    forced: z.record(text().min(1).max(200), variantKey),
    layer: LayerSchema.nullable(),
    rollout: RolloutSchema,
    metrics: MetricsSchema,
    segments: SegmentsSchema,
    automation: z.enum(AUTOMATION_MODES),
    rollbackPlan: RollbackPlanSchema,
    /** required to change variant weights of a running experiment: re-rolls the salt (fresh randomisation) */
    rerandomize: z.boolean(),
  })
  .partial()
  .strict();
export type UpdateExperimentInput = z.infer<typeof UpdateExperimentSchema>;

export const ExperimentKeyParams = z.object({ key: slug });

export const ResultsQuery = z.object({
  segment: segmentAttribute
    .optional()
    .describe("a segment attribute the experiment declares: adds `segments` (per value: exposures, SRM, metrics; Benjamini–Hochberg-adjusted p across the breakdown)"),
  novelty: z
    .enum(["1", "true", "0", "false"])
    .optional()
    .transform((v) => v === "1" || v === "true")
    .describe("1: adds `novelty`, the primary metric's effect by days since first exposure with a trend test and a warning when it trends (two more queries over the rollup)"),
});

export const ListExperimentsQuery = z.object({
  status: z.enum(STATUSES).optional(),
  strategy: z.enum(STRATEGIES).optional(),
  q: text().max(200).optional(),
});

export const ReasonBody = z.object({ reason: text().trim().max(2000).optional() }).strict();

export const RolloutStateSchema = z.object({
  stageIndex: z.number().int().min(0),
  exposure: z.number().min(0).max(100),
  live: z.string().nullable(),
  enabled: z.boolean(),
  shipped: z.string().nullable(),
  stageStartedAt: z.string().nullable(),
  /** blue_green: "bake" once switched (live = the new side, previousLive kept ready); absent = verification */
  phase: z.enum(["verification", "bake"]).optional(),
  switchedAt: z.string().nullable().optional(),
  previousLive: z.string().nullable().optional(),
});
export type RolloutState = z.infer<typeof RolloutStateSchema>;
export type Metrics = z.infer<typeof MetricsSchema>;
export type Rollout = z.infer<typeof RolloutSchema>;
