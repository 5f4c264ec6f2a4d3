import { formatWhen } from "@/components/experiment/format";
import { UserActions } from "@/components/admin/user-actions";
import { UserForm } from "@/components/admin/user-form";
import { Badge } from "@/components/ui/badge";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { requireUser } from "@/server/auth/page-session";
import { listUsers } from "@/server/users/list";

export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const user = await requireUser("/users");
  if (user.role !== "admin") return <EmptyState title="Only admins manage users." />;
  const users = await listUsers();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Users</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Viewers read everything; release managers also start, pause, promote and roll back; admins also manage keys and users. A new role applies to the user&apos;s next request; disabling a user ends
        their sessions at once. Every change is in the audit log.
      </p>
      <DataTable testId="users-table" columns={["Username", "Role", "Status", "Created", { label: "Actions", srOnly: true }]}>
        {users.map((u) => (
          <tr key={u.id} data-testid={`user-row-${u.username}`} className={u.disabledAt ? "opacity-70" : ""}>
            <td>{u.username}</td>
            <td>
              <Badge tone={u.role === "viewer" ? "grey" : "blue"}>{u.role.replace("_", " ")}</Badge>
            </td>
            <td>{u.disabledAt ? <Badge tone="red">disabled {formatWhen(new Date(u.disabledAt).toISOString())}</Badge> : "active"}</td>
            <td className="tabular-nums">{formatWhen(new Date(u.createdAt).toISOString())}</td>
            <td>
              <UserActions id={u.id} username={u.username} role={u.role} disabled={u.disabledAt !== null} />
            </td>
          </tr>
        ))}
      </DataTable>
      <UserForm />
    </div>
  );
}
