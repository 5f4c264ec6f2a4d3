import { MetricForm } from "@/components/metrics/metric-form";
import { MetricsTable } from "@/components/metrics/metrics-table";
import { EmptyState } from "@/components/ui/empty-state";
import { allows } from "@/server/auth/principal";
import { requireUser } from "@/server/auth/page-session";
import { listMetrics } from "@/server/metrics/list";

export const dynamic = "force-dynamic";

export default async function MetricsPage() {
  const user = await requireUser("/metrics");
  const metrics = await listMetrics();
  const canWrite = allows(user, "release_manager");
  const stored = metrics.filter((m) => !m.builtIn).length;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Metrics</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        What experiments can name as primary, secondary or guardrail metric. Built-ins are read-only; a stored definition is versioned, and every decision records the version it used.
      </p>
      {stored === 0 && (
        <EmptyState title="No metric definitions yet.">
          {canWrite ? "Define one below, e.g. a crash rate: count of metric events named crash / count named tracking_view." : "Release managers and admins can define metrics from the events."}
        </EmptyState>
      )}
      <MetricsTable metrics={metrics} canWrite={canWrite} />
      {canWrite ? <MetricForm /> : <p className="text-sm text-slate-500">You have read-only access (viewer).</p>}
    </div>
  );
}
