import Link from "next/link";
import { formatWhen } from "@/components/experiment/format";
import { Badge } from "@/components/ui/badge";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { inputClass, buttonClass } from "@/components/ui/styles";
import { listAudit, ListAuditQuery } from "@/server/audit/list";
import { requireUser } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requireUser("/audit");
  const sp = await searchParams;
  const parsed = ListAuditQuery.safeParse({ entityType: sp.entityType || undefined, entityKey: sp.entityKey || undefined, before: sp.before || undefined, limit: 50 });
  const query = parsed.success ? parsed.data : ListAuditQuery.parse({ limit: 50 });
  const { entries, nextBefore } = await listAudit(query);
  const keep = new URLSearchParams(Object.entries({ entityType: query.entityType, entityKey: query.entityKey }).filter((kv): kv is [string, string] => Boolean(kv[1])));

  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Audit log</h1>
      <form className="flex flex-wrap items-end gap-3" aria-label="Filter the audit log">
        <div>
          <label htmlFor="entityType" className="block text-xs font-medium text-slate-500">
            Entity type
          </label>
          <select id="entityType" name="entityType" defaultValue={query.entityType ?? ""} className={inputClass}>
            <option value="">any</option>
            {["experiment", "api_key", "user", "webhook"].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="entityKey" className="block text-xs font-medium text-slate-500">
            Key
          </label>
          <input id="entityKey" name="entityKey" defaultValue={query.entityKey ?? ""} className={`${inputClass} w-56`} placeholder="e.g. realtime-tracking" />
        </div>
        <button className={buttonClass.secondary}>Apply</button>
      </form>
      {entries.length === 0 ? (
        <EmptyState title="No audit entries match." />
      ) : (
        <DataTable testId="audit-table" columns={["When", "Who", "Action", "Entity", "Reason", "Change"]}>
          {entries.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td className="whitespace-nowrap tabular-nums">{formatWhen(new Date(e.at).toISOString())}</td>
              <td>
                {e.actor} {e.actorKind === "system" && <Badge tone="blue">automatic</Badge>}
              </td>
              <td className="font-mono text-xs">{e.action}</td>
              <td>
                {e.entityType === "experiment" ? (
                  <Link href={`/experiments/${e.entityKey}`} className="text-sky-700 hover:underline dark:text-sky-400">
                    {e.entityKey}
                  </Link>
                ) : (
                  <span className="font-mono text-xs">
                    {e.entityType}:{e.entityKey.slice(0, 12)}
                  </span>
                )}
              </td>
              <td className="max-w-xs">{e.reason ?? <span className="text-slate-400">–</span>}</td>
              <td>
                <details>
                  <summary className="cursor-pointer text-xs text-sky-700 dark:text-sky-400">before / after</summary>
                  <pre className="mt-1 max-h-64 max-w-xl overflow-auto text-xs">{JSON.stringify({ before: e.before, after: e.after }, null, 1)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {nextBefore && (
        <Link href={`/audit?${new URLSearchParams([...keep, ["before", String(nextBefore)]])}`} className={buttonClass.secondary}>
          Older entries
        </Link>
      )}
    </div>
  );
}
