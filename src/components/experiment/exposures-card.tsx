import { Badge } from "../ui/badge";
import { cardClass, tableClass } from "../ui/styles";
import { formatP } from "./format";
import type { ResultsView } from "@/server/dashboard/view";

export function ExposuresCard({ results }: { results: ResultsView }) {
  const total = results.arms.reduce((s, a) => s + a.exposures, 0);
  const srm = results.srm;
  return (
    <section aria-labelledby="exposures-heading" className={cardClass}>
      <div className="flex items-center justify-between gap-2">
        <h2 id="exposures-heading" className="font-semibold">
          Exposures
        </h2>
        {srm &&
          (srm.mismatch ? (
            <Badge tone="red" title={srm.note}>
              Sample ratio mismatch (p {formatP(srm.pValue)})
            </Badge>
          ) : srm.checked ? (
            <Badge tone="green" title={srm.note}>
              SRM check passed (p {formatP(srm.pValue)})
            </Badge>
          ) : (
            <Badge tone="grey" title={srm.note}>
              SRM check waits for 100 per arm
            </Badge>
          ))}
      </div>
      <table className={`${tableClass} mt-2`} data-testid="exposures-table">
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col" className="text-right">
              Users
            </th>
            <th scope="col" className="text-right">
              Share
            </th>
            <th scope="col" className="text-right">
              Expected
            </th>
          </tr>
        </thead>
        <tbody>
          {results.arms.map((a) => (
            <tr key={a.variant}>
              <th scope="row" className="font-mono">
                {a.variant}
                {a.variant === results.control && <span className="ml-1 font-sans text-xs text-slate-500">({results.controlRole === "holdback" ? "holdback: old behaviour" : "control"})</span>}
              </th>
              <td className="text-right tabular-nums">{a.exposures.toLocaleString("en")}</td>
              <td className="text-right tabular-nums">{total ? `${((a.exposures / total) * 100).toFixed(1)} %` : "–"}</td>
              <td className="text-right tabular-nums">{(a.expectedShare * 100).toFixed(1)} %</td>
            </tr>
          ))}
        </tbody>
      </table>
      {srm && <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">{srm.note}</p>}
    </section>
  );
}
