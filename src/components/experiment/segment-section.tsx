// The experiment page's segment breakdown (issue 16): a selector over the declared segment attributes
// (plain links: ?segment=<attribute>), then per value its exposures, sample-ratio check, a forest
// plot of the relative effects and the table of comparisons, with the correction spelled out (the
// p-values here are Benjamini–Hochberg-adjusted over the whole breakdown, not the top level's Holm).
import Link from "next/link";
import type { Experiment } from "@/server/experiments/types";
import { loadSegmentView } from "@/server/dashboard/segments-view";
import type { MetricRowView, SegmentView } from "@/server/dashboard/view";
import { cardClass, tableClass } from "../ui/styles";
import { formatP, formatRelative, formatValue } from "./format";

const VERDICT_TEXT: Record<MetricRowView["verdict"], string> = { good: "better", harm: "worse", inconclusive: "inconclusive", insufficient: "insufficient data" };
const VERDICT_CLASS: Record<MetricRowView["verdict"], string> = {
  good: "font-medium text-green-800 dark:text-green-300",
  harm: "font-medium text-red-800 dark:text-red-300",
  inconclusive: "text-slate-500 dark:text-slate-400",
  insufficient: "text-slate-500 dark:text-slate-400",
};

export function SegmentSelector({ experiment, selected }: { experiment: Pick<Experiment, "key" | "segments">; selected: string | null }) {
  if (experiment.segments.length === 0) return null;
  const link = (label: string, segment: string | null) => {
    const active = segment === selected;
    return (
      <Link
        key={label}
        href={segment ? `/experiments/${experiment.key}?segment=${encodeURIComponent(segment)}` : `/experiments/${experiment.key}`}
        aria-current={active ? "page" : undefined}
        scroll={false}
        className={`rounded-md border px-2.5 py-1 text-sm ${active ? "border-sky-600 bg-sky-50 font-medium dark:bg-sky-950" : "border-slate-300 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"}`}
      >
        {label}
      </Link>
    );
  };
  return (
    <nav aria-label="Segment breakdown" className="flex flex-wrap items-center gap-2" data-testid="segment-selector">
      <span className="text-sm text-slate-600 dark:text-slate-400">Break down by</span>
      {link("none", null)}
      {experiment.segments.map((s) => link(s, s))}
    </nav>
  );
}

export async function SegmentSection({ experiment, segment }: { experiment: Experiment; segment: string }) {
  const { view, error } = await loadSegmentView(experiment, segment);
  if (error) {
    return (
      <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/40 dark:text-red-300">
        The breakdown by {segment} could not be computed: {error}
      </div>
    );
  }
  if (!view) return null;
  return <SegmentBreakdown view={view} control={experiment.control} />;
}

export function SegmentBreakdown({ view, control }: { view: SegmentView; control: string }) {
  const metrics = [...new Map(view.values.flatMap((v) => v.rows.map((r) => [`${r.metric}:${r.variant}`, r] as const))).values()];
  return (
    <section aria-labelledby="segments-heading" className={`${cardClass} space-y-3 overflow-x-auto`} data-testid="segment-breakdown">
      <h2 id="segments-heading" className="font-semibold">
        By {view.attribute}
      </h2>
      <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="segment-correction">
        Each unit counts under its {view.attribute} at its first exposure (the 20 most frequent values; the rest as &ldquo;other&rdquo;). Multiple comparisons: the p-values below are{" "}
        <strong>Benjamini–Hochberg-adjusted over all {view.comparisons} segment × metric × variant comparisons</strong> of this breakdown (false discovery rate), so a value is called better or worse
        only after that correction; cells with too few units say insufficient data. Rollbacks use the decision engine&apos;s stricter Holm correction over guardrails × variants × segments.
      </p>
      {metrics.map((m) => (
        <ForestPlot
          key={`${m.metric}:${m.variant}`}
          label={`${m.label} (${m.variant} vs ${control})`}
          points={view.values.map((v) => ({ value: v.value, row: v.rows.find((r) => r.metric === m.metric && r.variant === m.variant) ?? null }))}
        />
      ))}
      <table className={tableClass} data-testid="segment-table">
        <thead>
          <tr>
            <th scope="col">{view.attribute}</th>
            <th scope="col">Exposures</th>
            <th scope="col">Metric</th>
            <th scope="col" className="text-right">
              {control}
            </th>
            <th scope="col" className="text-right">
              Variant
            </th>
            <th scope="col">Relative effect [95 % CI]</th>
            <th scope="col" className="text-right">
              BH-adjusted p
            </th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {view.values.flatMap((v) =>
            v.rows.map((r, i) => (
              <tr key={`${v.value}:${r.metric}:${r.variant}`} data-segment={v.value} data-metric={r.metric} data-verdict={r.verdict}>
                {i === 0 ? (
                  <th scope="rowgroup" rowSpan={v.rows.length} className="align-top font-mono font-normal">
                    {v.value}
                  </th>
                ) : null}
                {i === 0 ? (
                  <td rowSpan={v.rows.length} className="align-top whitespace-nowrap tabular-nums">
                    {Object.entries(v.exposures)
                      .map(([k, n]) => `${k} ${n.toLocaleString("en")}`)
                      .join(" · ")}
                    {v.srm.mismatch && <span className="block text-xs font-medium text-red-700 dark:text-red-400">sample ratio mismatch (p = {formatP(v.srm.pValue)})</span>}
                  </td>
                ) : null}
                <td>
                  {r.label} <span className="font-mono text-xs text-slate-500">{r.variant}</span>
                </td>
                <td className="whitespace-nowrap text-right tabular-nums">{formatValue(r.control.value, r.unit)}</td>
                <td className="whitespace-nowrap text-right tabular-nums">{formatValue(r.treatment.value, r.unit)}</td>
                <td className={`whitespace-nowrap tabular-nums ${VERDICT_CLASS[r.verdict]}`}>{formatRelative(r.relative)}</td>
                <td className="whitespace-nowrap text-right tabular-nums">{r.verdict === "insufficient" ? "–" : formatP(r.pValue)}</td>
                <td className={VERDICT_CLASS[r.verdict]} title={r.note ?? undefined} data-testid="segment-result">
                  {VERDICT_TEXT[r.verdict]}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}

/** Relative effect per segment value: dot = estimate, line = 95 % interval, vertical line = no effect. */
function ForestPlot({ label, points }: { label: string; points: { value: string; row: MetricRowView | null }[] }) {
  const shown = points.filter((p) => p.row?.relative && p.row.verdict !== "insufficient");
  if (shown.length === 0) return null;
  const ends = shown.flatMap((p) => [p.row!.relative!.lower, p.row!.relative!.upper, p.row!.relative!.estimate]).filter((x): x is number => x !== null && Number.isFinite(x));
  const span = Math.max(0.05, ...ends.map(Math.abs));
  const W = 360;
  const LEFT = 90;
  const ROW = 18;
  const x = (r: number) => LEFT + ((Math.max(-span, Math.min(span, r)) + span) / (2 * span)) * (W - LEFT - 10);
  const h = ROW * points.length + 16;
  return (
    <figure className="text-xs">
      <figcaption className="font-medium">{label}</figcaption>
      <svg role="img" aria-label={`Forest plot of ${label} by segment`} width={W} height={h} className="text-slate-700 dark:text-slate-300">
        <line x1={x(0)} x2={x(0)} y1={0} y2={h - 14} stroke="currentColor" strokeDasharray="3 3" opacity={0.5} />
        {points.map((p, i) => {
          const y = i * ROW + 10;
          const rel = p.row?.verdict !== "insufficient" ? p.row?.relative : null;
          const color = p.row?.verdict === "harm" ? "#b91c1c" : p.row?.verdict === "good" ? "#15803d" : "currentColor";
          return (
            <g key={p.value}>
              <text x={0} y={y + 4} fill="currentColor" className="font-mono">
                {p.value.length > 12 ? `${p.value.slice(0, 11)}…` : p.value}
              </text>
              {rel ? (
                <>
                  <line x1={x(rel.lower ?? -span)} x2={x(rel.upper ?? span)} y1={y} y2={y} stroke={color} strokeWidth={2} />
                  <circle cx={x(rel.estimate)} cy={y} r={3.5} fill={color} />
                </>
              ) : (
                <text x={LEFT} y={y + 4} fill="currentColor" opacity={0.6}>
                  insufficient data
                </text>
              )}
            </g>
          );
        })}
        <text x={x(-span)} y={h - 2} fill="currentColor" opacity={0.7}>
          {`${(-span * 100).toFixed(0)} %`}
        </text>
        <text x={x(0)} y={h - 2} textAnchor="middle" fill="currentColor" opacity={0.7}>
          0
        </text>
        <text x={W - 2} y={h - 2} textAnchor="end" fill="currentColor" opacity={0.7}>
          {`+${(span * 100).toFixed(0)} %`}
        </text>
      </svg>
    </figure>
  );
}
