// The experiment page's segment breakdown (?segment=<attribute>): getResults with the segment, mapped
// to rows like the top-level metric table. `error` instead of a throw, like loadResults.
import type { Experiment } from "@/server/experiments/types";
import { getResults } from "@/server/results/get";
import { metricRows } from "./results-view";
import type { SegmentView } from "./view";

export async function loadSegmentView(e: Experiment, segment: string): Promise<{ view: SegmentView | null; error: string | null }> {
  if (e.status === "draft" || !e.segments.includes(segment)) return { view: null, error: null };
  try {
    const r = await getResults({ key: e.key, segment });
    const s = r.segments;
    if (!s) return { view: null, error: null };
    return {
      view: {
        attribute: s.attribute,
        correction: s.correction.note,
        comparisons: s.correction.comparisons ?? 0,
        values: s.values.map((v) => ({
          value: v.value,
          exposures: Object.fromEntries(Object.entries(v.exposures.byVariant).map(([k, n]) => [k, n ?? 0])),
          srm: { checked: v.srm.mismatch !== null, mismatch: v.srm.mismatch === true, pValue: v.srm.pValue },
          rows: metricRows(v.metrics, "Benjamini–Hochberg-adjusted p").filter((row) => row.role !== "other"),
        })),
      },
      error: null,
    };
  } catch (err) {
    console.error(`[verdict] segment results for ${e.key} failed:`, err);
    return { view: null, error: (err as Error).message };
  }
}
