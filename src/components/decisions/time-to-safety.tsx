// The Decisions page's time-to-safety line: how long this instance took, over the last 5 minutes,
// from events being stored to the decision that saw them (src/server/decisions/latency.ts).
import { Badge } from "@/components/ui/badge";
import { MIN_EVALUATIONS_FOR_VERDICT, WITHIN_BOUND_MIN_SHARE, type StoredToDecisionSummary } from "@/server/decisions/latency";

const seconds = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(1)} s`);

export function TimeToSafety({ summary, eventDriven, missing }: { summary: StoredToDecisionSummary; eventDriven: boolean; missing: boolean }) {
  const { evaluations, withinBound, boundMs, windowSeconds } = summary;
  const bound = `${boundMs / 1000} s`;
  return (
    <section aria-label="Time to safety" data-testid="time-to-safety" className="rounded-lg border border-slate-200 p-3 text-sm dark:border-slate-700">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">Time to safety</span>
        {evaluations > 0 &&
          (missing ? (
            <Badge tone="amber">missing the {bound} bound</Badge>
          ) : withinBound === evaluations ? (
            <Badge tone="green">within the {bound} bound</Badge>
          ) : (
            <Badge
              tone="grey"
              title={`health warns once at least ${MIN_EVALUATIONS_FOR_VERDICT} decisions are in the window and more than ${Math.round(100 * (1 - WITHIN_BOUND_MIN_SHARE))} % of them were later than ${bound}`}
            >
              {evaluations - withinBound} later than {bound}
            </Badge>
          ))}
      </div>
      {!eventDriven ? (
        <p className="mt-1 text-slate-600 dark:text-slate-400">
          Event-driven evaluation is off on this instance (VERDICT_EVALUATOR_EVENTS or VERDICT_EVALUATOR_INTERVAL_SECONDS): experiments are evaluated by the timer only.
        </p>
      ) : evaluations === 0 ? (
        <p className="mt-1 text-slate-600 dark:text-slate-400">
          No decision was caused by new events in the last {windowSeconds / 60} minutes. Once events arrive, this shows how long this instance takes from storing them to the decision that saw them.
        </p>
      ) : (
        <p className="mt-1 text-slate-600 dark:text-slate-400">
          Last {windowSeconds / 60} minutes on this instance, from events stored to the decision that saw them:{" "}
          <span data-testid="time-to-safety-figures">
            {withinBound} of {evaluations} decisions within {bound}; p50 {seconds(summary.p50Ms)}, p99 {seconds(summary.p99Ms)}, max {seconds(summary.maxMs)}
          </span>
          .{missing && " The event store cannot keep up with this load: see the health report."}
        </p>
      )}
    </section>
  );
}
