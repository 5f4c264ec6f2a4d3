import Link from "next/link";
import { notFound } from "next/navigation";
import { baseUrl } from "@/components/data/base-url";
import { loadDecisions, loadLastDrill, loadResults } from "@/components/data/experiment-data";
import { experimentTimeline } from "@/components/data/timeline";
import { availableActions } from "@/components/experiment/actions";
import { DecisionBanner } from "@/components/experiment/decision-banner";
import { ExperimentControls } from "@/components/experiment/experiment-controls";
import { ExposuresCard } from "@/components/experiment/exposures-card";
import { formatWhen, requestTime } from "@/components/experiment/format";
import { LiveRefresh } from "@/components/experiment/live-refresh";
import { MetricTable } from "@/components/experiment/metric-table";
import { Planner } from "@/components/experiment/planner";
import { Readiness } from "@/components/experiment/readiness";
import { ResultsCharts } from "@/components/experiment/results-charts";
import { Timeline } from "@/components/experiment/timeline";
import { FirstEventsSnippet } from "@/components/first-events-snippet";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { buttonClass } from "@/components/ui/styles";
import { canAct, requireUser } from "@/server/auth/page-session";
import { findExperiment } from "@/server/experiments/get";

export const dynamic = "force-dynamic";

export default async function ExperimentPage({ params }: { params: Promise<{ key: string }> }) {
  const { key } = await params;
  const user = await requireUser(`/experiments/${key}`);
  const experiment = await findExperiment(key);
  if (!experiment) notFound();
  const [{ view: results, error: resultsError }, decisions, drill] = await Promise.all([loadResults(experiment), loadDecisions(key), loadLastDrill(key)]);
  const timeline = await experimentTimeline(key, decisions.history);
  const mayAct = canAct(user);
  const running = experiment.status === "running";
  const hasData = results !== null && results.arms.some((a) => a.exposures > 0);

  return (
    <div className="space-y-4">
      <p className="text-sm">
        <Link href="/experiments" className="text-sky-700 hover:underline dark:text-sky-400">
          ← Experiments
        </Link>
      </p>
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-2xl font-semibold">
            {experiment.name} <StatusBadge status={experiment.status} /> <LiveRefresh active={running} />
          </h1>
          <p className="mt-1 flex flex-wrap gap-x-3 text-sm text-slate-600 dark:text-slate-400">
            <span className="font-mono">{experiment.key}</span>
            <span>{experiment.strategy.replace("_", "-")}</span>
            <span data-testid="stage">{stageText(experiment)}</span>
            <span>automation: {experiment.automation}</span>
            {experiment.startedAt && <span>started {formatWhen(experiment.startedAt)}</span>}
          </p>
          {experiment.hypothesis && <p className="mt-1 max-w-3xl text-sm">{experiment.hypothesis}</p>}
        </div>
        {mayAct && (
          <Link href={`/experiments/${key}/edit`} className={buttonClass.secondary}>
            Edit
          </Link>
        )}
      </header>

      {mayAct && <ExperimentControls actions={availableActions(experiment)} />}

      <DecisionBanner decision={decisions.latest} status={experiment.status} />

      {results?.lastExposureAt && running && requestTime() - new Date(results.lastExposureAt).getTime() > 3_600_000 && (
        <p role="note">
          <Badge tone="amber">Stale data: no new exposures since {formatWhen(results.lastExposureAt)}</Badge>
        </p>
      )}
      {resultsError && (
        <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/40 dark:text-red-300">
          Results could not be computed: {resultsError}. The release controls above still work; check <a className="underline" href="/api/health">/api/health</a>.
        </div>
      )}

      {hasData ? (
        <>
          <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
            <ExposuresCard results={results} />
            <Planner experiment={experiment} results={results} />
          </div>
          <MetricTable rows={results.metrics} control={experiment.control} />
          <ResultsCharts results={results} />
        </>
      ) : resultsError ? null : (
        <EmptyState title={experiment.status === "draft" ? "This experiment has not started." : "No exposures yet."}>
          {experiment.status === "draft" && <p>{mayAct ? "Start it above; then" : "Once a release manager starts it,"} send exposures and events:</p>}
          <FirstEventsSnippet origin={await baseUrl()} experiment={experiment.key} control={experiment.control} treatment={experiment.treatment} />
        </EmptyState>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <Timeline entries={timeline} />
        <Readiness experiment={experiment} drill={drill} />
      </div>
      {results?.computedAt && <p className="text-xs text-slate-500">Results computed {formatWhen(results.computedAt)} from summary statistics.</p>}
    </div>
  );
}

function stageText(e: { strategy: string; state: { exposure: number; live: string | null; enabled: boolean; shipped: string | null }; rollout: { stages: number[] } }): string {
  if (e.state.shipped) return `shipped: ${e.state.shipped}`;
  if (e.strategy === "blue_green") return `live: ${e.state.live ?? "–"}`;
  if (e.strategy === "toggle" && !e.state.enabled) return "off (kill switch)";
  return `stage ${e.state.exposure} % of ${e.rollout.stages.join(" → ")} %`;
}
