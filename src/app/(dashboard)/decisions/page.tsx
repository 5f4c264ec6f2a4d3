import Link from "next/link";
import { loadDecisionFeed } from "@/server/dashboard/feeds";
import { ago, formatWhen } from "@/components/experiment/format";
import { RecommendationBadge } from "@/components/ui/badge";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { buttonClass, inputClass } from "@/components/ui/styles";
import { requireUser } from "@/server/auth/page-session";
import { TimeToSafety } from "@/components/decisions/time-to-safety";
import { timeToSafety } from "@/server/decisions/loop";

export const dynamic = "force-dynamic";

const SLUG = /^[a-z0-9][a-z0-9_-]{1,63}$/;

export default async function DecisionsPage({ searchParams }: { searchParams: Promise<{ experiment?: string; recommendation?: string }> }) {
  await requireUser("/decisions");
  const sp = await searchParams;
  const experiment = sp.experiment && SLUG.test(sp.experiment) ? sp.experiment : undefined;
  const recommendation = ["promote", "hold", "rollback"].includes(sp.recommendation ?? "") ? sp.recommendation : undefined;
  const feed = await loadDecisionFeed({ experiment, recommendation });
  const safety = timeToSafety();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Decisions</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Every decision of every running experiment, newest first, with the action taken. A decision is recorded when it changes; evaluations that reach it again only move its “last evaluated” time.
      </p>
      <TimeToSafety {...safety} />
      <form className="flex flex-wrap items-end gap-3" aria-label="Filter decisions">
        <div>
          <label htmlFor="experiment" className="block text-xs font-medium text-slate-500">
            Experiment key
          </label>
          <input id="experiment" name="experiment" defaultValue={experiment ?? ""} className={`${inputClass} w-56`} />
        </div>
        <div>
          <label htmlFor="recommendation" className="block text-xs font-medium text-slate-500">
            Recommendation
          </label>
          <select id="recommendation" name="recommendation" defaultValue={recommendation ?? ""} className={inputClass}>
            <option value="">any</option>
            <option value="promote">promote</option>
            <option value="hold">hold</option>
            <option value="rollback">rollback</option>
          </select>
        </div>
        <button className={buttonClass.secondary}>Apply</button>
      </form>
      {feed.length === 0 ? (
        <EmptyState title="No evaluations yet.">
          <p>
            The evaluator runs every running experiment on an interval and records a PROMOTE, HOLD or ROLLBACK recommendation here, with its reasons. Start an experiment and send events to see the
            first one.
          </p>
        </EmptyState>
      ) : (
        <DataTable testId="decisions-table" columns={["When", "Last evaluated", "Experiment", "Recommendation", "Stage", "Reasons", "Action"]}>
          {feed.map((d) => (
            <tr key={d.id ?? `${d.experimentKey}-${d.evaluatedAt}`}>
              <td className="whitespace-nowrap" title={formatWhen(d.evaluatedAt)}>
                {ago(d.evaluatedAt)}
              </td>
              <td className="whitespace-nowrap" title={`${formatWhen(d.lastEvaluatedAt)}; ${d.evaluations} evaluation${d.evaluations === 1 ? "" : "s"}`}>
                {ago(d.lastEvaluatedAt)}
                {d.evaluations > 1 && <span className="text-slate-500"> ({d.evaluations}×)</span>}
              </td>
              <td>
                <Link href={`/experiments/${d.experimentKey}`} className="text-sky-700 hover:underline dark:text-sky-400">
                  {d.experimentKey}
                </Link>
              </td>
              <td>
                <RecommendationBadge recommendation={d.recommendation} />
              </td>
              <td className="tabular-nums">{d.stage !== null ? `${d.stage} %` : "–"}</td>
              <td className="max-w-md">{d.reasons.map((r) => r.message).join(" ")}</td>
              <td>{d.action ?? <span className="text-slate-400">none</span>}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
