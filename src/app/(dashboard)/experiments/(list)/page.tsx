import Link from "next/link";
import { experimentOverview } from "@/server/dashboard/overview";
import { ExperimentFilters } from "@/components/experiment-filters";
import { LiveRefresh } from "@/components/experiment/live-refresh";
import { Badge, RecommendationBadge, StatusBadge } from "@/components/ui/badge";
import { CodeBlock, EmptyState } from "@/components/ui/empty-state";
import { DataTable } from "@/components/ui/data-table";
import { buttonClass } from "@/components/ui/styles";
import { baseUrl } from "@/server/dashboard/base-url";
import { STATUSES, STRATEGIES } from "@/db/schema";
import { canAct, requireUser } from "@/server/auth/page-session";
import { currentStage } from "@/server/experiments/types";
import { listExperiments } from "@/server/experiments/list";

export const dynamic = "force-dynamic";

type Search = { status?: string; strategy?: string; q?: string };

export default async function ExperimentsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const user = await requireUser("/experiments");
  const sp = await searchParams;
  const status = (STATUSES as readonly string[]).includes(sp.status ?? "") ? (sp.status as (typeof STATUSES)[number]) : undefined;
  const strategy = (STRATEGIES as readonly string[]).includes(sp.strategy ?? "") ? (sp.strategy as (typeof STRATEGIES)[number]) : undefined;
  const q = sp.q?.trim().slice(0, 200) || undefined;
  const experiments = await listExperiments({ status, strategy, q });
  const overviews = await Promise.all(experiments.map((e) => experimentOverview(e)));
  const filtered = Boolean(status || strategy || q);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-2">
          <h1 className="text-2xl font-semibold">Experiments</h1>
          <LiveRefresh active={experiments.some((e) => e.status === "running")} intervalMs={10_000} />
        </div>
        {canAct(user) && (
          <Link href="/experiments/new" className={buttonClass.primary}>
            New experiment
          </Link>
        )}
      </div>
      <ExperimentFilters status={status} strategy={strategy} q={q} />
      {experiments.length === 0 ? (
        filtered ? (
          <EmptyState title="No experiment matches these filters.">
            <Link href="/experiments" className="underline">
              Clear the filters
            </Link>
          </EmptyState>
        ) : (
          <EmptyState title="No experiments yet.">
            <p>
              {canAct(user) ? (
                <>
                  <Link href="/experiments/new" className="underline">
                    Create one with the form
                  </Link>{" "}
                  or with the API:
                </>
              ) : (
                "A release manager creates experiments with the form or the API:"
              )}
            </p>
            <CodeBlock label="create an experiment with curl">{`curl -X POST ${await baseUrl()}/api/v1/experiments \\
  -H "Authorization: Bearer $VERDICT_ADMIN_TOKEN" -H "content-type: application/json" \\
  -d '{"key":"realtime-tracking","name":"Real-time tracking","strategy":"canary"}'`}</CodeBlock>
          </EmptyState>
        )
      ) : (
        <DataTable testId="experiments-table" caption="Experiments" columns={["Experiment", "Strategy", "Status", "Stage", { label: "Exposures", align: "right" }, "Recommendation", "Warnings"]}>
          {experiments.map((e, i) => {
            const o = overviews[i];
            return (
              <tr key={e.key} data-testid={`experiment-row-${e.key}`}>
                <td>
                  <Link href={`/experiments/${e.key}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                    {e.name}
                  </Link>
                  <div className="font-mono text-xs text-slate-500">{e.key}</div>
                </td>
                <td>{e.strategy.replace("_", "-")}</td>
                <td>
                  <StatusBadge status={e.status} />
                </td>
                <td>{stageLabel(e)}</td>
                <td className="text-right tabular-nums">{o.exposures === null ? "–" : o.exposures.toLocaleString("en")}</td>
                <td>
                  <RecommendationBadge recommendation={o.recommendation} />
                </td>
                <td>
                  <div className="flex flex-wrap gap-1">
                    {o.warnings.length === 0 ? (
                      <span className="text-slate-400">none</span>
                    ) : (
                      o.warnings.map((w) => (
                        <Badge key={w.code} tone={w.code === "stale" || w.code === "results" ? "amber" : "red"}>
                          {w.label}
                        </Badge>
                      ))
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}

function stageLabel(e: Parameters<typeof currentStage>[0] & { strategy: string; state: { live: string | null; enabled: boolean } }): string {
  if (e.strategy === "blue_green") return `live: ${e.state.live ?? "–"}`;
  if (e.strategy === "toggle" && !e.state.enabled) return "off (kill switch)";
  return `${currentStage(e)} %`;
}
