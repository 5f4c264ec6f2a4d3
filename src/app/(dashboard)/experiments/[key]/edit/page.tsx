import Link from "next/link";
import { notFound } from "next/navigation";
import { ExperimentForm } from "@/components/experiment-form/experiment-form";
import { fromExperiment } from "@/components/experiment-form/form-state";
import { EmptyState } from "@/components/ui/empty-state";
import { canAct, requireUser } from "@/server/auth/page-session";
import { findExperiment } from "@/server/experiments/get";
import { storedMetricKeys } from "@/server/metrics/list";

export const dynamic = "force-dynamic";

export default async function EditExperimentPage({ params }: { params: Promise<{ key: string }> }) {
  const { key } = await params;
  const user = await requireUser(`/experiments/${key}/edit`);
  const experiment = await findExperiment(key);
  if (!experiment) notFound();
  const storedMetrics = await storedMetricKeys();
  return (
    <div className="space-y-4">
      <p className="text-sm">
        <Link href={`/experiments/${key}`} className="text-sky-700 hover:underline dark:text-sky-400">
          ← {experiment.name}
        </Link>
      </p>
      <h1 className="text-2xl font-semibold">Edit {experiment.name}</h1>
      {canAct(user) ? (
        <ExperimentForm mode="edit" initial={fromExperiment(experiment)} running={experiment.status === "running" || experiment.status === "paused"} storedMetrics={storedMetrics} />
      ) : (
        <EmptyState title="Only release managers and admins edit experiments." />
      )}
    </div>
  );
}
