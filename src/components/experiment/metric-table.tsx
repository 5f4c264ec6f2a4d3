import { cardClass, tableClass } from "../ui/styles";
import { formatAbsolute, formatP, formatRelative, formatValue, isUnbounded, UNBOUNDED_TITLE } from "./format";
import type { MetricRowView, Verdict } from "@/server/dashboard/view";

const ROW: Record<Verdict, string> = {
  good: "bg-green-50 dark:bg-green-950/40",
  harm: "bg-red-50 dark:bg-red-950/40",
  inconclusive: "",
  insufficient: "",
};
const TEXT: Record<Verdict, string> = {
  good: "font-medium text-green-800 dark:text-green-300",
  harm: "font-medium text-red-800 dark:text-red-300",
  inconclusive: "text-slate-500 dark:text-slate-400",
  insufficient: "text-slate-500 dark:text-slate-400",
};
const LABEL: Record<Verdict, string> = { good: "better", harm: "worse", inconclusive: "inconclusive", insufficient: "insufficient data" };

export function MetricTable({ rows, control }: { rows: MetricRowView[]; control: string }) {
  return (
    <section aria-labelledby="metrics-heading" className={`${cardClass} overflow-x-auto`}>
      <h2 id="metrics-heading" className="font-semibold">
        Metrics
      </h2>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Per exposed user, from each user&apos;s first exposure on. Intervals are 95 %; green: significantly better, red: significantly worse, grey: inconclusive or insufficient data (too few units, or
        no variation to estimate a variance: never called better or worse). The always-valid p-value stays valid however often you look.
      </p>
      <table className={`${tableClass} mt-2`} data-testid="metric-table">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Variant</th>
            <th scope="col" className="text-right">
              {control}
            </th>
            <th scope="col" className="text-right">
              Variant value
            </th>
            <th scope="col">Absolute effect [95 % CI]</th>
            <th scope="col">Relative effect [95 % CI]</th>
            <th scope="col" className="text-right">
              p-value
            </th>
            <th scope="col" className="text-right">
              Always-valid p
            </th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.metric}:${r.variant}`} id={`metric-${r.metric}`} data-metric={r.metric} data-verdict={r.verdict} className={`scroll-mt-20 ${ROW[r.verdict]}`}>
              <th scope="row" className="min-w-36 font-normal">
                <span className="font-medium">{r.label}</span>
                <span className="block text-xs text-slate-500">{r.direction === "lower_is_better" ? "lower is better" : "higher is better"}</span>
              </th>
              <td className="font-mono">{r.variant}</td>
              <td className="whitespace-nowrap text-right tabular-nums">
                {formatValue(r.control.value, r.unit)}
                <span className="block text-xs text-slate-500">n = {r.control.n.toLocaleString("en")}</span>
              </td>
              <td className="whitespace-nowrap text-right tabular-nums">
                {formatValue(r.treatment.value, r.unit)}
                <span className="block text-xs text-slate-500">n = {r.treatment.n.toLocaleString("en")}</span>
              </td>
              <td className={`whitespace-nowrap tabular-nums ${TEXT[r.verdict]}`} title={isUnbounded(r.absolute) ? UNBOUNDED_TITLE : undefined}>
                {formatAbsolute(r.absolute, r.unit)}
              </td>
              <td className={`whitespace-nowrap tabular-nums ${TEXT[r.verdict]}`} title={isUnbounded(r.relative) ? UNBOUNDED_TITLE : undefined}>
                {formatRelative(r.relative)}
              </td>
              {/* a p-value of a degenerate comparison means nothing: not shown */}
              <td className="whitespace-nowrap text-right tabular-nums">{r.verdict === "insufficient" ? "–" : formatP(r.pValue)}</td>
              <td className="whitespace-nowrap text-right tabular-nums">{r.verdict === "insufficient" ? "–" : formatP(r.alwaysValidP)}</td>
              <td className={TEXT[r.verdict]} title={r.verdict === "insufficient" ? (r.note ?? undefined) : undefined} data-testid="metric-result">
                {LABEL[r.verdict]}
                {r.cupedReduction !== null && r.cupedReduction >= 0.005 && <span className="block text-xs font-normal text-slate-500">CUPED −{(r.cupedReduction * 100).toFixed(0)} % variance</span>}
                {r.note && <span className="block text-xs font-normal text-slate-500">{r.note}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
