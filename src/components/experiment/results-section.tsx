// The data half of the experiment page, streamed behind a Suspense boundary: the header, decision and
// release controls are interactive before the results pipeline answers (release managers must be able
// to roll back even while — or because — the event store is slow).
import type { Experiment } from "@/server/experiments/types";
import { baseUrl } from "@/server/dashboard/base-url";
import { loadResults } from "@/server/dashboard/experiment-data";
import { FirstEventsSnippet } from "../first-events-snippet";
import { Badge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { Skeleton } from "../ui/skeleton";
import { BeforeAfterCard } from "./before-after-card";
import { ExposuresCard } from "./exposures-card";
import { formatWhen, requestTime } from "./format";
import { MetricTable } from "./metric-table";
import { Planner } from "./planner";
import { ResultsCharts } from "./results-charts";

export async function ResultsSection({ experiment, mayAct }: { experiment: Experiment; mayAct: boolean }) {
  const { view: results, error } = await loadResults(experiment);
  const running = experiment.status === "running";
  const hasData = results !== null && results.arms.some((a) => a.exposures > 0);
  return (
    <div className="space-y-4" data-testid="results-section">
      {results?.lastExposureAt && running && requestTime() - new Date(results.lastExposureAt).getTime() > 3_600_000 && (
        <p role="note">
          <Badge tone="amber">Stale data: no new exposures since {formatWhen(results.lastExposureAt)}</Badge>
        </p>
      )}
      {error && (
        <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/40 dark:text-red-300">
          Results could not be computed: {error}. The release controls above still work; check{" "}
          <a className="underline" href="/api/health">
            /api/health
          </a>
          .
        </div>
      )}
      {hasData ? (
        <>
          <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
            <ExposuresCard results={results} />
            <Planner experiment={experiment} results={results} />
          </div>
          {results.beforeAfter && <BeforeAfterCard view={results.beforeAfter} />}
          <MetricTable rows={results.metrics} control={experiment.control} />
          <ResultsCharts results={results} />
          {results.computedAt && (
            <p className="text-xs text-slate-500" data-testid="results-computed">
              Results computed {formatWhen(results.computedAt)} from summary statistics{results.refreshing ? "; newer results are being computed and appear on the next refresh" : ""}.
            </p>
          )}
        </>
      ) : error ? null : (
        <EmptyState title={experiment.status === "draft" ? "This experiment has not started." : "No exposures yet."}>
          {experiment.status === "draft" && <p>{mayAct ? "Start it above; then" : "Once a release manager starts it,"} send exposures and events:</p>}
          <FirstEventsSnippet origin={await baseUrl()} experiment={experiment.key} control={experiment.control} treatment={experiment.treatment} />
        </EmptyState>
      )}
    </div>
  );
}

export function ResultsSkeleton() {
  return (
    <div role="status" aria-live="polite" className="space-y-4">
      <span className="sr-only">Computing results…</span>
      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
        <Skeleton className="h-44" />
        <Skeleton className="h-44" />
      </div>
      <Skeleton className="h-72 w-full" />
      <div className="grid gap-4 lg:grid-cols-2">
        <Skeleton className="h-72" />
        <Skeleton className="h-72" />
      </div>
    </div>
  );
}
