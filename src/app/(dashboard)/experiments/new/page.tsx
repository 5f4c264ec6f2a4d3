import { ExperimentForm } from "@/components/experiment-form/experiment-form";
import { EmptyState } from "@/components/ui/empty-state";
import { canAct, requireUser } from "@/server/auth/page-session";
import { storedMetricKeys } from "@/server/metrics/list";

export const dynamic = "force-dynamic";

export default async function NewExperimentPage() {
  const user = await requireUser("/experiments/new");
  const storedMetrics = await storedMetricKeys();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">New experiment</h1>
      {canAct(user) ? (
        <ExperimentForm mode="create" storedMetrics={storedMetrics} />
      ) : (
        <EmptyState title="Only release managers and admins create experiments.">Ask one to create it, or to give you the role.</EmptyState>
      )}
    </div>
  );
}
