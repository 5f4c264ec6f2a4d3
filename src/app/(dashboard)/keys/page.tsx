import { KeyRateLimit, NewKeyForm, RevokeKeyButton } from "@/components/admin/api-keys";
import { formatWhen } from "@/components/experiment/format";
import { Badge } from "@/components/ui/badge";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { requireUser } from "@/server/auth/page-session";
import { listApiKeys } from "@/server/keys/list";

export const dynamic = "force-dynamic";

const when = (d: Date | null) => (d ? formatWhen(new Date(d).toISOString()) : "–");

export default async function KeysPage() {
  const user = await requireUser("/keys");
  if (user.role !== "admin") return <EmptyState title="Only admins manage API keys." />;
  const keys = await listApiKeys();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">API keys</h1>
      <DataTable testId="keys-table" columns={["Name", "Kind", "Role", "Prefix", "Rate limit", "Created", "Last used", { label: "Actions", srOnly: true }]}>
        {keys.map((k) => (
          <tr key={k.id} className={k.revokedAt ? "opacity-60" : ""}>
            <td>{k.name}</td>
            <td>{k.kind}</td>
            <td>{k.role?.replace("_", " ") ?? "–"}</td>
            <td className="font-mono text-xs">{k.prefix}…</td>
            <td>
              <KeyRateLimit id={k.id} name={k.name} rateLimit={k.rateLimit} editable={!k.revokedAt} />
            </td>
            <td className="tabular-nums">{when(k.createdAt)}</td>
            <td className="tabular-nums">{when(k.lastUsedAt)}</td>
            <td>{k.revokedAt ? <Badge tone="red">revoked {when(k.revokedAt)}</Badge> : <RevokeKeyButton id={k.id} name={k.name} />}</td>
          </tr>
        ))}
      </DataTable>
      <NewKeyForm />
    </div>
  );
}
