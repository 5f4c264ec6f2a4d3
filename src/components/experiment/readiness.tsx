import type { Experiment } from "@/server/experiments/types";
import { Badge } from "../ui/badge";
import { cardClass } from "../ui/styles";
import type { DrillView } from "@/server/dashboard/view";
import { ago, formatWhen } from "./format";

export function Readiness({ experiment, drill }: { experiment: Experiment; drill: DrillView | null }) {
  const plan = experiment.rollbackPlan;
  return (
    <section aria-labelledby="readiness-heading" className={cardClass} data-testid="readiness">
      <h2 id="readiness-heading" className="font-semibold">
        Rollback readiness
      </h2>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-500">Rolls back to</dt>
        <dd className="font-mono">{plan.target ?? experiment.control}</dd>
        <dt className="text-slate-500">Database</dt>
        <dd>
          {plan.databaseBackwardCompatible ? (
            <Badge tone="green">backward compatible</Badge>
          ) : (
            <Badge tone="amber">not backward compatible: promotion past the first stage needs acknowledgement</Badge>
          )}
        </dd>
        <dt className="text-slate-500">Last drill</dt>
        <dd>
          {drill ? (
            <span title={formatWhen(drill.at)}>
              <Badge tone={drill.ok ? "green" : "red"}>{drill.ok ? "passed" : "failed"}</Badge> {ago(drill.at)} by {drill.performedBy}, switch took {drill.durationMs} ms
              {drill.summary ? ` — ${drill.summary}` : ""}
            </span>
          ) : (
            <span className="text-slate-500">never drilled</span>
          )}
        </dd>
        {plan.notes && (
          <>
            <dt className="text-slate-500">Notes</dt>
            <dd className="whitespace-pre-line">{plan.notes}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
