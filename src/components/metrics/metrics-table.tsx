"use client";
// The metric definitions: built-ins (read-only) and stored ones, each with an edit form in place for
// those who may write.
import { Fragment, useState } from "react";
import { Badge } from "../ui/badge";
import { DataTable } from "../ui/data-table";
import { buttonClass } from "../ui/styles";
import { useHydrated } from "../ui/use-hydrated";
import { MetricForm } from "./metric-form";
import type { MetricFormValue, SelectorValue } from "./types";

function selector(s: SelectorValue): string {
  const filters = s.where?.length ? ` where ${s.where.map((w) => `${w.property} ${w.op}${w.value === undefined ? "" : ` ${JSON.stringify(w.value)}`}`).join(" and ")}` : "";
  return `${s.aggregate} of ${s.type}${s.name ? ` '${s.name}'` : ""}${filters}`;
}

function definition(m: MetricFormValue): string {
  const base = m.kind === "ratio" && m.denominator ? `${selector(m.numerator)} / ${selector(m.denominator)}` : selector(m.numerator);
  const level = m.kind === "percentile" && m.percentile !== undefined ? `p${Math.round(m.percentile * 100)} of ` : "";
  const cap = m.capping ? ("percentile" in m.capping ? `, capped at p${m.capping.percentile * 100}` : `, capped at ${m.capping.absolute}`) : "";
  return `${level}${base}${cap}`;
}

export function MetricsTable({ metrics, canWrite }: { metrics: MetricFormValue[]; canWrite: boolean }) {
  const hydrated = useHydrated();
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <DataTable testId="metrics-table" columns={["Key", "Label", "Kind", "Direction", "Definition", "Version", canWrite && { label: "Actions", srOnly: true }]}>
      {metrics.map((m) => (
        <Fragment key={m.key}>
          <tr data-testid={`metric-row-${m.key}`}>
            <td className="font-mono text-xs">{m.key}</td>
            <td>{m.label}</td>
            <td>{m.kind}</td>
            <td>{m.direction === "higher_is_better" ? "higher is better" : "lower is better"}</td>
            <td className="text-xs">{definition(m)}</td>
            <td data-testid={`metric-version-${m.key}`}>{m.builtIn ? <Badge tone="grey">built-in</Badge> : <span className="tabular-nums">v{m.version}</span>}</td>
            {canWrite && (
              <td>
                {!m.builtIn && (
                  <button type="button" className={buttonClass.secondary} disabled={!hydrated} aria-label={`Edit ${m.key}`} onClick={() => setEditing(editing === m.key ? null : m.key)}>
                    Edit
                  </button>
                )}
              </td>
            )}
          </tr>
          {canWrite && editing === m.key && (
            <tr>
              <td colSpan={7}>
                <MetricForm metric={m} onDone={() => setEditing(null)} />
              </td>
            </tr>
          )}
        </Fragment>
      ))}
    </DataTable>
  );
}
