// One row of the experiments list: exposures, the latest recommendation and warnings, from the results
// pipeline and the decisions store (both cached server-side), never from raw events.
import type { Experiment } from "@/server/experiments/types";
import { loadDecisions, loadResults } from "./experiment-data";

export interface ExperimentOverview {
  exposures: number | null;
  recommendation: "promote" | "hold" | "rollback" | null;
  warnings: { code: "srm" | "guardrail" | "stale" | "results"; label: string }[];
}

export async function experimentOverview(e: Experiment): Promise<ExperimentOverview> {
  const [{ view, error }, decisions] = await Promise.all([loadResults(e), loadDecisions(e.key, 1)]);
  const warnings: ExperimentOverview["warnings"] = [];
  if (error) warnings.push({ code: "results", label: "results unavailable" });
  if (view?.srm?.mismatch) warnings.push({ code: "srm", label: "SRM" });
  const harmed = [...new Set(view?.metrics.filter((m) => m.verdict === "harm" && m.role === "guardrail").map((m) => m.label) ?? [])];
  if (harmed.length) warnings.push({ code: "guardrail", label: `guardrail: ${harmed.join(", ")}` });
  if (e.status === "running" && view?.lastExposureAt && Date.now() - Date.parse(view.lastExposureAt) > 3_600_000) warnings.push({ code: "stale", label: "stale data" });
  return {
    exposures: view ? view.arms.reduce((s, a) => s + a.exposures, 0) : null,
    recommendation: decisions.latest?.recommendation ?? null,
    warnings,
  };
}
