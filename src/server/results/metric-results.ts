// The per-metric comparisons of one set of summaries (the whole experiment, or one segment value),
// shared by getResults (./get.ts) and the segment breakdown (./segments.ts).
import type { Interval } from "@analysis";
import type { Direction, MetricDefinition, MetricKind, MetricSummaries } from "@/server/evidence";
import { comparisonStatus, type ComparisonStatus } from "./adequacy";
import { compareArms, describeArm, type CupedResult } from "./compare";

export type MetricRole = "primary" | "secondary" | "guardrail" | "other";

export interface VariantComparison {
  variant: string;
  control: { n: number; mean: number | null; variance: number | null };
  treatment: { n: number; mean: number | null; variance: number | null };
  absolute: Interval;
  relative: Interval;
  relativeUndefined?: boolean;
  pValue: number;
  /** Holm-adjusted over primary + secondary metrics × variants; null for guardrails and others */
  adjustedPValue: number | null;
  /** primary/secondary: adjusted p < alpha; guardrail/other: always-valid p < alpha */
  significant: boolean;
  /** significant and in the metric's good direction / bad direction, else inconclusive */
  outcome: "better" | "worse" | "inconclusive";
  alwaysValid: { pValue: number; absolute: Interval } | null;
  cuped: CupedResult | null;
  degenerate?: string;
  /** insufficient_data: too little data or a degenerate comparison (statusReason says which); it is
   *  never significant, never better or worse, and not part of the Holm family */
  status: ComparisonStatus;
  statusReason: string | null;
}

export interface MetricResult {
  name: string;
  label: string;
  role: MetricRole;
  kind: MetricKind;
  direction: Direction;
  unit: string | null;
  description: string;
  variants: Record<string, { n: number; mean: number | null; variance: number | null; views?: number }>;
  comparisons: VariantComparison[];
}

/** The comparisons of one set of summaries (the whole experiment, or one segment value); adjusted p-values and outcomes are the caller's (setOutcomes). */
export function metricResults(metrics: { def: MetricDefinition; role: MetricRole }[], summaries: MetricSummaries, control: string, alpha: number): MetricResult[] {
  const treatments = summaries.variants.filter((v) => v !== control);
  return metrics.map(({ def, role }) => {
    const arms = summaries.metrics[def.name];
    const comparisons: VariantComparison[] = [];
    for (const v of treatments) {
      const cmp = compareArms(arms[control], arms[v], alpha);
      if (!cmp) continue;
      const f = cmp.fixed;
      const adequacy = comparisonStatus(f, { control, variant: v });
      comparisons.push({
        variant: v,
        control: f.control,
        treatment: f.treatment,
        absolute: f.absolute,
        relative: f.relative,
        ...(f.relativeUndefined ? { relativeUndefined: true } : {}),
        pValue: f.pValue,
        adjustedPValue: null,
        significant: false,
        outcome: "inconclusive",
        alwaysValid: cmp.alwaysValid,
        cuped: cmp.cuped,
        ...(f.degenerate ? { degenerate: f.degenerate } : {}),
        status: adequacy.status,
        statusReason: adequacy.reason,
      });
    }
    return {
      name: def.name,
      label: def.label,
      role,
      kind: def.kind,
      direction: def.direction,
      unit: def.unit ?? null,
      description: def.description,
      variants: Object.fromEntries(summaries.variants.map((v) => [v, describeArm(arms[v])])),
      comparisons,
    };
  });
}

/** significant: adjusted p < α when the comparison is in a corrected family, else always-valid p < α; outcome by the metric's direction. */
export function setOutcomes(results: MetricResult[], alpha: number): void {
  for (const m of results) {
    for (const c of m.comparisons) {
      c.significant = c.status === "ok" && (c.adjustedPValue !== null ? c.adjustedPValue < alpha : (c.alwaysValid?.pValue ?? 1) < alpha);
      const up = c.absolute.estimate > 0;
      c.outcome = !c.significant || c.absolute.estimate === 0 ? "inconclusive" : up === (m.direction === "higher_is_better") ? "better" : "worse";
    }
  }
}
