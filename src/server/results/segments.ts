// ?segment=<attribute>: the results' metrics per value of a declared segment attribute (issue 16).
// Every comparison of the breakdown (values × metrics × variants that have enough data) is one
// Benjamini–Hochberg family: a breakdown is exploratory (many cells, few of them expected to
// differ), so it controls the false discovery rate across the request rather than the family-wise
// rate, and `correction` says so. Guarding against harm per segment is the decision engine's job,
// with Holm (decisions/segments.ts). Each value has its own sample-ratio check, and a thin cell is
// "insufficient data" by the same rules as the top level (./adequacy.ts).
import { adjustPValues } from "@analysis";
import { AppError } from "@/core/errors";
import { checkSrm, getSegmentSummaries, type MetricDefinition, type SrmCheck, type SrmPlan } from "@/server/evidence";
import type { Experiment } from "@/server/experiments/types";
import { countServed } from "@/server/monitoring/served";
import { metricResults, setOutcomes, type MetricResult, type MetricRole } from "./metric-results";

export interface SegmentCorrection {
  method: "benjamini-hochberg";
  /** comparisons in the family: every ok comparison of every value, metric and variant of the breakdown */
  comparisons: number;
  note: string;
}

export interface SegmentValueResult {
  value: string;
  exposures: { total: number; byVariant: Record<string, number> };
  multipleExposures: number;
  srm: SrmCheck;
  metrics: MetricResult[];
}

export interface SegmentBreakdown {
  attribute: string;
  correction: SegmentCorrection;
  values: SegmentValueResult[];
}

/** 400 unless the attribute is one the experiment declares: only declared segments are part of its analysis plan. */
export function checkSegment(e: Pick<Experiment, "key" | "segments">, segment: string): void {
  if (!e.segments.includes(segment)) {
    throw new AppError(
      "bad_request",
      e.segments.length === 0
        ? `Unknown segment '${segment}': experiment '${e.key}' declares no segment attributes`
        : `Unknown segment '${segment}': experiment '${e.key}' declares ${e.segments.map((s) => `'${s}'`).join(", ")}`,
      { segment, segments: e.segments },
    );
  }
}

export async function segmentResults(e: Experiment, metrics: { def: MetricDefinition; role: MetricRole }[], segment: string, srmPlan: SrmPlan): Promise<SegmentBreakdown> {
  const alpha = e.metrics.alpha;
  const breakdown = await getSegmentSummaries({ experiment: e, metrics: metrics.map((m) => m.def.name), cohortFrom: srmPlan.cohortFrom, segment });
  countServed(breakdown.served);
  const values: SegmentValueResult[] = breakdown.values.map(({ value, summaries }) => ({
    value,
    exposures: { total: Object.values(summaries.exposures).reduce((a, b) => a + b, 0), byVariant: summaries.exposures },
    multipleExposures: summaries.multipleExposures,
    srm: checkSrm(srmPlan, summaries.cohort, e.metrics.srmThreshold),
    metrics: metricResults(metrics, summaries, e.control, alpha),
  }));
  const family = values.flatMap((v) => v.metrics.flatMap((m) => m.comparisons.filter((c) => c.status === "ok")));
  const adjusted =
    family.length > 0
      ? adjustPValues(
          family.map((c) => c.pValue),
          "bh",
        )
      : [];
  family.forEach((c, i) => (c.adjustedPValue = adjusted[i]));
  for (const v of values) setOutcomes(v.metrics, alpha);
  return {
    attribute: segment,
    correction: {
      method: "benjamini-hochberg",
      comparisons: family.length,
      note: `adjustedPValue in segments is Benjamini–Hochberg over all ${family.length} segment × metric × variant comparisons of this breakdown (false discovery rate ${alpha}); cells with insufficient data are not tested`,
    },
    values,
  };
}
