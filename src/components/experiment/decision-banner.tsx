import { ago, formatWhen } from "./format";
import type { DecisionView } from "@/server/dashboard/view";

const STYLE = {
  promote: "border-green-600 bg-green-50 text-green-900 dark:bg-green-950/50 dark:text-green-200",
  hold: "border-amber-500 bg-amber-50 text-amber-900 dark:bg-amber-950/50 dark:text-amber-200",
  rollback: "border-red-600 bg-red-50 text-red-900 dark:bg-red-950/50 dark:text-red-200",
};

const HEADLINE = {
  promote: "The evidence supports moving on.",
  hold: "Not enough evidence yet to move either way.",
  rollback: "The treatment is doing harm.",
};

export function DecisionBanner({ decision, status }: { decision: DecisionView | null; status: string }) {
  if (!decision) {
    return (
      <section aria-label="Decision" data-testid="decision-banner" className="rounded-lg border-l-4 border-slate-400 bg-slate-100 p-4 text-sm dark:bg-slate-900">
        <p className="font-semibold">No evaluation yet</p>
        <p className="text-slate-600 dark:text-slate-400">
          {status === "draft"
            ? "Start the experiment; the evaluator will recommend PROMOTE, HOLD or ROLLBACK once exposures arrive."
            : "The evaluator has not produced a recommendation for this experiment yet."}
        </p>
      </section>
    );
  }
  const r = decision.recommendation;
  return (
    <section aria-label="Decision" data-testid="decision-banner" data-recommendation={r} className={`rounded-lg border-l-4 p-4 ${STYLE[r]}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="text-lg font-bold tracking-wide">
          {r.toUpperCase()} <span className="text-sm font-normal">— {HEADLINE[r]}</span>
        </p>
        <p className="text-xs opacity-80">
          <span data-testid="decision-since" title={formatWhen(decision.evaluatedAt)}>
            {decision.evaluations > 1 ? "since" : "decided"} {ago(decision.evaluatedAt)}
          </span>
          {decision.stage !== null ? ` at the ${decision.stage} % stage` : ""}
          {" · "}
          <span
            data-testid="decision-last-evaluated"
            title={`${formatWhen(decision.lastEvaluatedAt)}; ${decision.evaluations} evaluation${decision.evaluations === 1 ? "" : "s"} reached this decision`}
          >
            last evaluated {ago(decision.lastEvaluatedAt)}
          </span>
          {decision.action ? ` · action: ${decision.action}` : ""}
        </p>
      </div>
      {decision.reasons.length > 0 && (
        <ul className="mt-2 list-disc space-y-1 pl-5 text-sm">
          {decision.reasons.map((reason, i) => (
            <li key={i} data-reason-code={reason.code}>
              {reason.message}{" "}
              {reason.metric && (
                <a href={`#metric-${reason.metric}`} className="underline">
                  evidence
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
