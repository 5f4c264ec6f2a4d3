// The metric definition contract of /api/v1/metrics: zod schemas validate every write and generate
// the OpenAPI document. The API names a definition by `key`; the engine by `name` (./convert.ts).
// The rules across fields (a ratio's denominator, a percentile's level) are in checkDefinition(), run
// on a create and on the merged result of a PATCH, so both answer the same 400 naming the field.
import { z } from "zod";
import { isBuiltInMetric, validateMetricDefinition, type MetricDefinition } from "@/server/evidence";
import { text } from "@/server/schemas/text";

export const KINDS = ["proportion", "mean", "ratio", "percentile"] as const;
export const DIRECTIONS = ["higher_is_better", "lower_is_better"] as const;
export const EVENT_TYPES = ["engagement", "page_load", "request", "error", "feedback", "metric"] as const;
export const AGGREGATES = ["count", "sum", "any"] as const;
export const UNITS = ["ms", "share", "count", "score"] as const;
const OPS = ["eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "exists"] as const;

export const MAX_FILTERS = 10;
export const MAX_IN_VALUES = 100;

export const metricKey = text()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "must be 1–64 lowercase letters, digits or '_', starting with a letter")
  .describe("the key experiments, results and decisions name the metric by");

const propertyName = text().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be 1–64 letters, digits, '_', '.', ':' or '-'");
const scalarValue = z.union([text().max(500), z.number().finite(), z.boolean()]);
const listValue = z
  .array(z.union([text().max(500), z.number().finite()]))
  .min(1)
  .max(MAX_IN_VALUES);

export const PropertyFilterSchema = z
  .object({
    property: propertyName,
    op: z.enum(OPS),
    value: z.union([scalarValue, listValue]).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const list = f.op === "in" || f.op === "not_in";
    if (f.op === "exists") {
      if (f.value !== undefined) ctx.addIssue({ code: "custom", path: ["value"], message: "must be absent for op 'exists'" });
    } else if (f.value === undefined) ctx.addIssue({ code: "custom", path: ["value"], message: `is required for op '${f.op}'` });
    else if (list !== Array.isArray(f.value))
      ctx.addIssue({ code: "custom", path: ["value"], message: list ? `must be an array (≤ ${MAX_IN_VALUES} items) for op '${f.op}'` : `must be a single value for op '${f.op}'` });
    else if (["gt", "gte", "lt", "lte"].includes(f.op) && typeof f.value !== "number") ctx.addIssue({ code: "custom", path: ["value"], message: `must be a number for op '${f.op}'` });
  });

export const EventSelectorSchema = z
  .object({
    type: z.enum(EVENT_TYPES),
    name: text()
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, "must be 1–100 letters, digits, '_', '.', ':' or '-'")
      .optional()
      .describe("the event name; required for type 'metric'"),
    where: z.array(PropertyFilterSchema).max(MAX_FILTERS).optional().describe(`conditions on the event's properties (all must hold), at most ${MAX_FILTERS}`),
    aggregate: z.enum(AGGREGATES),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.type === "metric" && !s.name) ctx.addIssue({ code: "custom", path: ["name"], message: "is required for type 'metric'" });
  });

export const CappingSchema = z.union([
  z.object({ percentile: z.number().gt(0.5).lt(1).describe("winsorize at this pooled percentile of the non-zero per-unit values") }).strict(),
  z.object({ absolute: z.number().finite().gt(0).describe("winsorize per-unit values at this cap") }).strict(),
]);

const fields = {
  label: text().min(1).max(100),
  description: text().max(1000).default(""),
  kind: z.enum(KINDS),
  numerator: EventSelectorSchema,
  denominator: EventSelectorSchema.optional().describe("ratio only"),
  percentile: z.number().min(0.5).max(0.99).optional().describe("percentile only: 0.5 … 0.99"),
  direction: z.enum(DIRECTIONS),
  unit: z.enum(UNITS).optional(),
  capping: CappingSchema.optional(),
};

/** A definition as stored and returned (without version and audit fields). */
export interface MetricDefinitionInput {
  key: string;
  label: string;
  description: string;
  kind: (typeof KINDS)[number];
  numerator: z.output<typeof EventSelectorSchema>;
  denominator?: z.output<typeof EventSelectorSchema>;
  percentile?: number;
  direction: (typeof DIRECTIONS)[number];
  unit?: (typeof UNITS)[number];
  capping?: z.output<typeof CappingSchema>;
}

type Issue = { path: (string | number)[]; message: string };

/** The rules across fields; empty when the definition is consistent. */
export function checkDefinition(d: Omit<MetricDefinitionInput, "key" | "description"> & { key?: string }): Issue[] {
  const issues: Issue[] = [];
  if (d.key !== undefined && isBuiltInMetric(d.key)) issues.push({ path: ["key"], message: `'${d.key}' is a built-in metric; choose another key` });
  if (d.kind === "ratio" && !d.denominator) issues.push({ path: ["denominator"], message: "is required for kind 'ratio'" });
  if (d.kind !== "ratio" && d.denominator) issues.push({ path: ["denominator"], message: `is only allowed for kind 'ratio' (this is '${d.kind}')` });
  if (d.kind === "percentile" && d.percentile === undefined) issues.push({ path: ["percentile"], message: "is required for kind 'percentile' (0.5 … 0.99)" });
  if (d.kind !== "percentile" && d.percentile !== undefined) issues.push({ path: ["percentile"], message: `is only allowed for kind 'percentile' (this is '${d.kind}')` });
  if (d.kind === "percentile" && d.capping) issues.push({ path: ["capping"], message: "is not allowed for kind 'percentile' (a percentile is not moved by outliers)" });
  if (issues.length > 0) return issues;
  // the engine's own rules (evidence/metrics.ts validateMetricDefinition) are the last word: what it
  // would refuse to compute is refused here, with its "path: message" turned into a field path
  const engine = { ...d, name: d.key ?? "candidate", label: d.label, description: "", cuped: false } as MetricDefinition;
  for (const problem of validateMetricDefinition(engine)) {
    const cut = problem.indexOf(": ");
    const path = problem
      .slice(0, cut)
      .split(/[.[\]]+/)
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    issues.push({ path: path[0] === "key" ? ["key"] : path, message: problem.slice(cut + 2) });
  }
  return issues;
}

function refineDefinition(d: Omit<MetricDefinitionInput, "key" | "description"> & { key?: string }, ctx: z.RefinementCtx): void {
  for (const issue of checkDefinition(d)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
}

export const CreateMetricSchema = z
  .object({ key: metricKey, ...fields })
  .strict()
  .superRefine(refineDefinition);

/** PATCH: any field but the key; the merged definition must pass the same rules as a create. `null` removes an optional field. */
export const UpdateMetricSchema = z
  .object({
    label: fields.label.optional(),
    description: text().max(1000).optional(),
    kind: fields.kind.optional(),
    numerator: EventSelectorSchema.optional(),
    denominator: EventSelectorSchema.nullable().optional(),
    percentile: z.number().min(0.5).max(0.99).nullable().optional(),
    direction: fields.direction.optional(),
    unit: z.enum(UNITS).nullable().optional(),
    capping: CappingSchema.nullable().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, "must change at least one field");

export type CreateMetricInput = z.output<typeof CreateMetricSchema>;
export type UpdateMetricInput = z.output<typeof UpdateMetricSchema>;

export const MetricKeyParams = z.object({ key: text().min(1).max(100) });
export const MetricVersionParams = z.object({ key: text().min(1).max(100), version: z.coerce.number().int().min(1).max(1_000_000) });

/** A definition as the API returns it. */
export interface MetricView extends MetricDefinitionInput {
  /** built-ins: 0 (not versioned, not editable) */
  version: number;
  builtIn: boolean;
  createdBy: string | null;
  createdAt: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface MetricVersionView {
  key: string;
  version: number;
  definition: MetricDefinitionInput;
  createdBy: string;
  createdAt: string;
}
