// Reads the numbers /api/metrics exposes out of a stored decision (reasons, inputs, parameters and
// outputs are jsonb written by src/server/decisions; shapes in decisions/types.ts). Tolerant by
// design: a decision without some part (an empty arm, an older shape) yields fewer series, never a
// failed scrape.
import type { DecisionInputs, DecisionParameters, TestResult } from "@/server/decisions/types";
import type { ArmInput } from "@/server/evidence";

export type MetricRole = "guardrail" | "primary" | "other";

export interface DecisionValues {
  reasonCodes: string[];
  exposures: Record<string, number>;
  /** per metric and variant: the arm's value (rate, mean, ratio or percentile, in the metric's unit) */
  metrics: { metric: string; variant: string; role: MetricRole; value: number }[];
  /** per guardrail test: the candidate's relative change against the baseline */
  changes: { metric: string; variant: string; kind: string; relativeChange: number }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** The arm's point value in the metric's own unit; null for an empty arm. */
export function armValue(a: ArmInput): number | null {
  switch (a.kind) {
    case "proportion":
      return a.n > 0 ? a.successes / a.n : null;
    case "mean":
      return a.n > 0 ? a.sum / a.n : null;
    case "ratio":
      return a.sumY > 0 ? a.sumX / a.sumY : null;
    case "percentile":
      return finite(a.estimate) ? a.estimate : null;
    default:
      return null;
  }
}

export function decisionValues(row: { reasons: unknown; inputs: unknown; parameters?: unknown; outputs?: unknown }): DecisionValues {
  const out: DecisionValues = { reasonCodes: [], exposures: {}, metrics: [], changes: [] };
  if (Array.isArray(row.reasons)) for (const r of row.reasons) if (isRecord(r) && typeof r.code === "string" && !out.reasonCodes.includes(r.code)) out.reasonCodes.push(r.code);
  const inputs = row.inputs as Partial<DecisionInputs> | null;
  if (!isRecord(inputs)) return out;
  if (isRecord(inputs.exposures)) for (const [variant, n] of Object.entries(inputs.exposures)) if (finite(n)) out.exposures[variant] = n;
  const params = (isRecord(row.parameters) ? row.parameters : {}) as Partial<DecisionParameters>;
  const guardrails = new Set((params.guardrails ?? []).map((g) => g.metric));
  if (isRecord(inputs.metrics)) {
    for (const [metric, input] of Object.entries(inputs.metrics)) {
      if (!isRecord(input) || !isRecord(input.arms)) continue;
      const role: MetricRole = guardrails.has(metric) ? "guardrail" : params.primary === metric ? "primary" : "other";
      for (const [variant, arm] of Object.entries(input.arms)) {
        const value = isRecord(arm) ? armValue(arm as ArmInput) : null;
        if (value !== null && Number.isFinite(value)) out.metrics.push({ metric, variant, role, value });
      }
    }
  }
  const tests = isRecord(row.outputs) && Array.isArray(row.outputs.tests) ? (row.outputs.tests as TestResult[]) : [];
  for (const t of tests) {
    if (isRecord(t) && finite(t.relativeChange) && (t.kind === "harm" || t.kind === "primary"))
      out.changes.push({ metric: t.metric, variant: t.variant, kind: t.kind, relativeChange: t.relativeChange });
  }
  return out;
}
