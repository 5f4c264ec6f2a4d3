// Summaries broken down by a segment attribute (README "Segments"): the same per-variant
// statistics as getMetricSummaries, per value of the attribute at each unit's first exposure, in
// one pass (the per-variant GROUP BY gains the segment value). Served from the rollup and stored
// at its watermark like any other request (the attribute is a parameter, hence part of the
// signature), so a warm segmented read costs the same lookups as an unsegmented one.
import { AppError } from "@/core/errors";
import { NO_SEGMENT, OTHER_SEGMENT } from "./segments.sql";
import { assemble, planRequest, requestRows, type SummariesRequest } from "./summaries";
import type { Row } from "./stored-summaries";
import type { SegmentSummaries } from "./types";

export { NO_SEGMENT, OTHER_SEGMENT, SEGMENT_TOP_VALUES } from "./segments.sql";

export async function getSegmentSummaries(req: Omit<SummariesRequest, "buckets" | "seriesMetric"> & { segment: string }): Promise<SegmentSummaries> {
  if (req.metrics.length === 0) throw new AppError("bad_request", "A segment breakdown needs at least one metric");
  const plan = planRequest(req, req.segment);
  const { rows, percentileRows, served } = await requestRows(req, plan);
  const byValue = new Map<string, { rows: Row[]; percentileRows: Row[] }>();
  const of = (r: Row) => {
    const v = String(r.seg);
    if (!byValue.has(v)) byValue.set(v, { rows: [], percentileRows: [] });
    return byValue.get(v)!;
  };
  rows.forEach((r) => of(r).rows.push(r));
  percentileRows.forEach((r) => of(r).percentileRows.push(r));
  const values = [...byValue].map(([value, v]) => ({ value, summaries: assemble(plan, v.rows, v.percentileRows, served) }));
  // most exposed first; the catch-alls last
  const rank = (v: string) => (v === OTHER_SEGMENT ? 1 : v === NO_SEGMENT ? 2 : 0);
  const total = (s: (typeof values)[number]) => Object.values(s.summaries.exposures).reduce((a, b) => a + b, 0);
  values.sort((a, b) => rank(a.value) - rank(b.value) || total(b) - total(a) || (a.value < b.value ? -1 : 1));
  return { attribute: req.segment, values, served };
}
