import Link from "next/link";
import { requireUser } from "@/server/auth/page-session";
import { listExperiments } from "@/server/experiments/list";

export const dynamic = "force-dynamic";

export default async function ExperimentsPage() {
  await requireUser("/experiments");
  const experiments = await listExperiments();
  return (
    <main className="mx-auto max-w-6xl px-6 py-8">
      <h1 className="mb-4 text-2xl font-semibold">Experiments</h1>
      {experiments.length === 0 ? (
        <p>No experiments yet.</p>
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800">
          {experiments.map((e) => (
            <li key={e.key} className="py-2">
              <Link href={`/experiments/${e.key}`} className="font-medium underline">
                {e.name}
              </Link>{" "}
              <span className="text-sm text-slate-500">
                {e.key} · {e.strategy} · {e.status}
              </span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
