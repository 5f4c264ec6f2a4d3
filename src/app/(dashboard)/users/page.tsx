import { formatWhen } from "@/components/experiment/format";
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
      <p className="text-sm text-slate-600 dark:text-slate-400">Viewers read everything; release managers also start, pause, promote and roll back; admins also manage keys and users.</p>
      <DataTable testId="users-table" columns={["Username", "Role", "Created"]}>
        {users.map((u) => (
          <tr key={u.id}>
            <td>{u.username}</td>
            <td>
              <Badge tone={u.role === "viewer" ? "grey" : "blue"}>{u.role.replace("_", " ")}</Badge>
            </td>
            <td className="tabular-nums">{formatWhen(new Date(u.createdAt).toISOString())}</td>
          </tr>
        ))}
      </DataTable>
      <UserForm />
    </div>
  );
}
