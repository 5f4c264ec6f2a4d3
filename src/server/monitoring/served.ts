// Counts how the evidence engine served a summaries request. The engine reports it (Served) and its
// callers (results/, decisions/) count it, so the engine itself stays free of the monitoring layer.
import type { Served } from "@/server/evidence";
import { monitoring } from "./registry";

export function countServed(served: Served): void {
  const m = monitoring();
  if (served.refresh) m.rollupRefreshes.inc({ kind: served.refresh });
  m.resultsSummaries.inc({ source: served.source });
}
