// Server-side loaders for the experiment page. Results come from the results pipeline (summary
// statistics, cached), decisions from the decision store; each is null until that piece has data.
import { processSingleton } from "@/core/process-singleton";
import type { Experiment } from "@/server/experiments/types";
import { listDrills } from "@/server/decisions/drill";
import { listDecisions, type DecisionView as StoredDecision } from "@/server/decisions/record";
import { getResults } from "@/server/results/get";
import { toResultsView } from "./results-view";
import type { DecisionView, DrillView, ResultsView } from "./view";

// Stale-while-revalidate for the page: the last view computed for an experiment version is shown at
// once (labelled with its age) if a fresh computation takes longer than SWR_WAIT_MS, while that
// computation finishes in the background and replaces it. A version change (rollback, stage change,
// re-randomisation) never shows an older version's results.
const SWR_WAIT_MS = 1000;
const MAX_VIEWS = 200;

// One per process, like all process-wide state: a module-level Map would be one per bundled copy.
function lastViews(): Map<string, ResultsView> {
  return processSingleton<Map<string, ResultsView>>("dashboard.lastResultsViews", () => new Map());
}

function remember(key: string, view: ResultsView) {
  const views = lastViews();
  views.delete(key);
  views.set(key, view);
  if (views.size > MAX_VIEWS) views.delete(views.keys().next().value!);
}

/** `error` instead of a throw: the release controls must stay usable when the event store is not. */
export async function loadResults(e: Experiment): Promise<{ view: ResultsView | null; error: string | null }> {
  if (e.status === "draft") return { view: null, error: null };
  const key = `${e.key}@${e.version}`;
  const fresh = getResults({ key: e.key }).then((r) => {
    const view = toResultsView(r, e);
    remember(key, view);
    return view;
  });
  const last = lastViews().get(key);
  try {
    if (!last) return { view: await fresh, error: null };
    fresh.catch((err) => console.error(`[verdict] results for ${e.key} failed:`, err));
    const view = await Promise.race([fresh, new Promise<ResultsView>((r) => setTimeout(() => r({ ...last, refreshing: true }), SWR_WAIT_MS))]);
    return { view, error: null };
  } catch (err) {
    console.error(`[verdict] results for ${e.key} failed:`, err);
    return { view: null, error: (err as Error).message };
  }
}

export function toDecisionView(d: StoredDecision): DecisionView {
  return {
    id: d.id,
    recommendation: d.recommendation,
    reasons: d.reasons.map((r) => ({ code: r.code, message: r.message, metric: r.metric, variant: r.variant })),
    stage: d.stage,
    evaluatedAt: d.evaluatedAt,
    lastEvaluatedAt: d.lastEvaluatedAt,
    evaluations: d.evaluations,
    action: d.action,
  };
}

export async function loadDecisions(key: string, limit = 200): Promise<{ latest: DecisionView | null; history: DecisionView[] }> {
  const { decisions } = await listDecisions({ experiment: key, limit });
  const history = decisions.map(toDecisionView);
  return { latest: history[0] ?? null, history };
}

export async function loadLastDrill(key: string): Promise<DrillView | null> {
  const { drills } = await listDrills({ key, limit: 1 });
  const d = drills[0];
  if (!d) return null;
  const failures = d.checks?.failures?.length ?? 0;
  return {
    at: d.at,
    ok: d.ok,
    durationMs: d.durationMs,
    performedBy: d.performedBy,
    summary: `${d.rollback?.summary ?? "rollback"}; ${d.checks?.units ?? 0} sample units checked${failures ? `, ${failures} not on ${d.rollback?.expectedVariant}` : ""}`,
  };
}
