// Reads the numbers /api/metrics exposes out of a stored decision (reasons and inputs are jsonb
// written by src/server/decisions). Tolerant by design: a decision without some part (an empty
// arm, an older shape) yields fewer series, never a failed scrape.

export interface DecisionValues {
  reasonCodes: string[];
  exposures: Record<string, number>;
  metrics: { metric: string; variant: string; role: "guardrail" | "primary" | "secondary" | "feedback"; value: number }[];
  srmPValue: number | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export function decisionValues(reasons: unknown, inputs: unknown): DecisionValues {
  const out: DecisionValues = { reasonCodes: [], exposures: {}, metrics: [], srmPValue: null };
  if (Array.isArray(reasons)) for (const r of reasons) if (isRecord(r) && typeof r.code === "string" && !out.reasonCodes.includes(r.code)) out.reasonCodes.push(r.code);
  if (!isRecord(inputs)) return out;
  if (isRecord(inputs.exposures)) for (const [variant, n] of Object.entries(inputs.exposures)) if (finite(n)) out.exposures[variant] = n;
  if (isRecord(inputs.srm) && finite(inputs.srm.pValue)) out.srmPValue = inputs.srm.pValue;
  return out;
}
