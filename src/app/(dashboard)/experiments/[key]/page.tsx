import Link from "next/link";
import { Suspense } from "react";
import { notFound } from "next/navigation";
import { loadDecisions, loadLastDrill } from "@/server/dashboard/experiment-data";
import { experimentTimeline } from "@/server/dashboard/timeline";
import { availableActions } from "@/components/experiment/actions";
import { DecisionBanner } from "@/components/experiment/decision-banner";
import { ExperimentControls } from "@/components/experiment/experiment-controls";
import { formatWhen } from "@/components/experiment/format";
import { LiveRefresh } from "@/components/experiment/live-refresh";
import { Readiness } from "@/components/experiment/readiness";
import { stageText } from "@/components/experiment/stage-text";
import { ResultsSection, ResultsSkeleton } from "@/components/experiment/results-section";
import { SegmentSection, SegmentSelector } from "@/components/experiment/segment-section";
import { NoveltySection } from "@/components/experiment/novelty-section";
import { Timeline } from "@/components/experiment/timeline";
import { StatusBadge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/styles";
import { canAct, requireUser } from "@/server/auth/page-session";
import { findExperiment } from "@/server/experiments/get";

export const dynamic = "force-dynamic";

export default async function ExperimentPage({ params, searchParams }: { params: Promise<{ key: string }>; searchParams: Promise<{ segment?: string | string[] }> }) {
  const { key } = await params;
  const { segment: asked } = await searchParams;
  const user = await requireUser(`/experiments/${key}`);
  const experiment = await findExperiment(key);
  if (!experiment) notFound();
  const [decisions, drill] = await Promise.all([loadDecisions(key), loadLastDrill(key)]);
  const timeline = await experimentTimeline(key, decisions.history);
  const mayAct = canAct(user);
  const running = experiment.status === "running";
  // only a declared attribute is a breakdown (anything else shows the page without one)
  const segment = typeof asked === "string" && experiment.segments.includes(asked) ? asked : null;

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

      {mayAct && <ExperimentControls actions={availableActions(experiment, decisions.latest?.recommendation ?? null)} />}

      <DecisionBanner decision={decisions.latest} status={experiment.status} />

      <Suspense fallback={<ResultsSkeleton />}>
        <ResultsSection experiment={experiment} mayAct={mayAct} />
      </Suspense>

      {experiment.status !== "draft" && (
        <Suspense fallback={null}>
          <NoveltySection experiment={experiment} />
        </Suspense>
      )}

      {experiment.status !== "draft" && <SegmentSelector experiment={experiment} selected={segment} />}
      {segment && experiment.status !== "draft" && (
        <Suspense
          key={segment}
          fallback={
            <p role="status" className="text-sm text-slate-500">
              Computing the breakdown by {segment}…
            </p>
          }
        >
          <SegmentSection experiment={experiment} segment={segment} />
        </Suspense>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <Timeline entries={timeline} />
        <Readiness experiment={experiment} drill={drill} />
      </div>
    </div>
  );
}
