// A holdback-0 toggle has no comparison group: what the page can show instead is the same "on" users
// before and after they got it, labelled as such and with its caveat (it is not randomised, and the
// decision never judges it: only absolute limits are).
import { Badge } from "../ui/badge";
import { cardClass, tableClass } from "../ui/styles";
import { formatAbsolute, formatValue } from "./format";
import type { BeforeAfterCardView } from "@/server/dashboard/view";

export function BeforeAfterCard({ view }: { view: BeforeAfterCardView }) {
  return (
    <section aria-labelledby="before-after-heading" className={cardClass} data-testid="before-after">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="before-after-heading" className="font-semibold">
          Before/after of the “{view.variant}” users
        </h2>
        <Badge tone="amber" title={view.caveat}>
          {view.label}: no comparison group (holdback 0 %)
        </Badge>
      </div>
      <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
        Each of the {view.users} users exposed to “{view.variant}”, in the {view.baselineMinutes} minutes before their first exposure against since then, paired per user. Only guardrails with an
        absolute limit are judged; this view is for reference.
      </p>
      <table className={`${tableClass} mt-2`} data-testid="before-after-table">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" className="text-right">
              Users (both windows)
            </th>
            <th scope="col" className="text-right">
              Before
            </th>
            <th scope="col" className="text-right">
              After
            </th>
            <th scope="col" className="text-right">
              Change per user [95 %]
            </th>
          </tr>
        </thead>
        <tbody>
          {view.metrics.map((m) => (
            <tr key={m.metric} data-metric={m.metric}>
              <td>{m.label}</td>
              <td className="text-right tabular-nums">{m.pairedUsers}</td>
              <td className="text-right tabular-nums">{formatValue(m.before, m.unit)}</td>
              <td className="text-right tabular-nums">{formatValue(m.after, m.unit)}</td>
              <td className="text-right tabular-nums">
                {formatAbsolute(m.difference, m.unit)}
                {m.relativeChange !== null && <span className="text-slate-500"> ({`${m.relativeChange >= 0 ? "+" : ""}${(m.relativeChange * 100).toFixed(1)} %`})</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-amber-800 dark:text-amber-300" role="note">
        Caveat: {view.caveat}.
      </p>
    </section>
  );
}
