// The experiment page's "Effect by days since exposure" card (issue 16, novelty): the primary metric's
// daily effect by days since each unit's first exposure, and a warning when it trends significantly,
// e.g. a curiosity spike on a new live map that fades, so the long-run effect is smaller than the
// cumulative one. Streams in after the main results (its own loader).
import type { Experiment } from "@/server/experiments/types";
import { loadNoveltyCard } from "@/server/dashboard/novelty-view";
import type { NoveltyCardView } from "@/server/dashboard/novelty-card";
import { cardClass } from "../ui/styles";
import { NoveltyChart } from "./novelty-chart";

export async function NoveltySection({ experiment }: { experiment: Experiment }) {
  const { view, error } = await loadNoveltyCard(experiment);
  if (error) {
    return (
      <p role="alert" className="text-sm text-red-800 dark:text-red-300">
        The effect by days since exposure could not be computed: {error}
      </p>
    );
  }
  if (!view) return null;
  return <NoveltyCard view={view} />;
}

export function NoveltyCard({ view }: { view: NoveltyCardView }) {
  const empty = view.unavailable ? `Not available: ${view.unavailable}.` : view.points.length < 2 ? "Needs units exposed at least two full days ago." : null;
  return (
    <figure aria-labelledby="novelty-title" className={`${cardClass} min-w-0 space-y-2`} data-testid="novelty-card">
      <figcaption>
        <h3 id="novelty-title" className="font-semibold">
          Effect by days since exposure: {view.label}
        </h3>
        <p className="text-xs text-slate-500 dark:text-slate-400" title={view.method}>
          {view.treatment} − {view.control} on each day since a unit&apos;s first exposure, with 95 % intervals.{view.trend ? ` Trend: ${view.trend}.` : ""}
        </p>
      </figcaption>
      {view.warning && (
        <div
          role="alert"
          className="rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-200"
          data-testid="novelty-warning"
        >
          {view.warning}
        </div>
      )}
      <div className="h-56 text-slate-600 dark:text-slate-300">{empty ? <p className="flex h-full items-center justify-center text-sm text-slate-500">{empty}</p> : <NoveltyChart view={view} />}</div>
    </figure>
  );
}
