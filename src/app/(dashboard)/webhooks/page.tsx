import { DeleteWebhookButton, NewWebhookForm } from "@/components/admin/webhooks";
import { loadWebhooks } from "@/server/dashboard/feeds";
import { formatWhen } from "@/components/experiment/format";
import { Badge } from "@/components/ui/badge";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { requireUser } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function WebhooksPage() {
  const user = await requireUser("/webhooks");
  const admin = user.role === "admin";
  const { subscriptions, deliveries } = await loadWebhooks(user);
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Webhooks</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Subscribers receive <code>decision.changed</code>, <code>experiment.promoted</code>, <code>experiment.rolled_back</code>, <code>guardrail.breached</code> and <code>srm.detected</code>, signed
        with HMAC-SHA256, retried with backoff.{!admin && " The delivery log shows status codes; error details are for admins."}
      </p>
      <section aria-labelledby="subs-heading" className="space-y-2">
        <h2 id="subs-heading" className="font-semibold">
          Subscriptions
        </h2>
        {subscriptions.length === 0 ? (
          <EmptyState title="No webhook subscriptions yet.">
            {admin ? "Add one below to hear about decisions, promotions and rollbacks in Slack or your own tooling." : "An admin adds subscribers."}
          </EmptyState>
        ) : (
          <DataTable testId="webhooks-table" columns={[admin ? "URL" : "Subscriber", "Experiment", "Events", "State", admin && { label: "Actions", srOnly: true }]}>
            {subscriptions.map((w) => (
              <tr key={w.id}>
                <td className="break-all font-mono text-xs">{w.url ?? `${w.id.slice(0, 8)}… (URL visible to admins)`}</td>
                <td>{w.experimentKey ?? "all"}</td>
                <td className="text-xs">{w.events.join(", ")}</td>
                <td>{w.active ? <Badge tone="green">active</Badge> : <Badge tone="grey">inactive</Badge>}</td>
                {admin && (
                  <td>
                    <DeleteWebhookButton id={w.id} />
                  </td>
                )}
              </tr>
            ))}
          </DataTable>
        )}
      </section>
      {admin && <NewWebhookForm />}
      <section aria-labelledby="deliveries-heading" className="space-y-2">
        <h2 id="deliveries-heading" className="font-semibold">
          Delivery log
        </h2>
        {deliveries.length === 0 ? (
          <EmptyState title="No deliveries yet." />
        ) : (
          <DataTable testId="deliveries-table" columns={["Created", "Event", "Status", { label: "Attempts", align: "right" }, "Last response"]}>
            {deliveries.map((d) => (
              <tr key={d.id}>
                <td className="whitespace-nowrap tabular-nums">{formatWhen(d.createdAt)}</td>
                <td className="font-mono text-xs">{d.event}</td>
                <td>
                  <Badge tone={d.status === "delivered" ? "green" : d.status === "failed" ? "red" : "amber"}>{d.status}</Badge>
                </td>
                <td className="text-right tabular-nums">{d.attempts}</td>
                <td className="text-xs">
                  {d.lastStatusCode ?? d.lastError ?? "–"}
                  {d.nextAttemptAt && <span className="block text-slate-500">next attempt {formatWhen(d.nextAttemptAt)}</span>}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </div>
  );
}
