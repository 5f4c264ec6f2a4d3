"use client";
// The four charts of the experiment page. Everything plotted is already aggregated on the server.
import { Area, Bar, BarChart, CartesianGrid, Cell, ComposedChart, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { cardClass } from "../ui/styles";
import type { MetricRowView, ResultsView } from "@/server/dashboard/view";

const VARIANT_COLOURS = ["#64748b", "#0284c7", "#9333ea", "#ea580c", "#0d9488", "#db2777"];
const VERDICT_COLOUR = { good: "#15803d", harm: "#b91c1c", inconclusive: "#94a3b8", insufficient: "#94a3b8" };
const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
const axis = { fontSize: 11, fill: "currentColor" };

function ChartCard({ id, title, description, children, empty }: { id: string; title: string; description: string; children: React.ReactNode; empty: string | null }) {
  return (
    <figure aria-labelledby={`${id}-title`} className={`${cardClass} min-w-0`} data-testid={`chart-${id}`}>
      <figcaption>
        <h3 id={`${id}-title`} className="font-semibold">
          {title}
        </h3>
        <p className="text-xs text-slate-500 dark:text-slate-400">{description}</p>
      </figcaption>
      <div className="mt-2 h-60 text-slate-600 dark:text-slate-300">{empty ? <p className="flex h-full items-center justify-center text-sm text-slate-500">{empty}</p> : children}</div>
    </figure>
  );
}

function finite(n: number | null | undefined, fallback: number): number {
  return n === null || n === undefined || !Number.isFinite(n) ? fallback : n;
}

export function ResultsCharts({ results }: { results: ResultsView }) {
  const variants = results.arms.map((a) => a.variant);
  // Intervals are clipped at ±100 % so one huge effect does not flatten the others; the tooltip and
  // the metric table keep the true values.
  const clip = (x: number) => Math.max(-1, Math.min(1, x));
  const forest = results.metrics
    // a comparison on insufficient data has no interval worth drawing
    .filter((m: MetricRowView) => m.verdict !== "insufficient" && m.relative && Number.isFinite(m.relative.estimate))
    .map((m) => {
      const e = m.relative!.estimate;
      const lower = finite(m.relative!.lower, -1);
      const upper = finite(m.relative!.upper, 1);
      let range: [number, number] = [clip(lower), clip(upper)];
      // an interval wholly beyond the axis still shows, as a stub at the edge it points past
      if (range[0] === range[1] && Math.abs(range[0]) === 1) range = range[0] > 0 ? [0.92, 1] : [-1, -0.92];
      const clipped = lower < -1 || upper > 1;
      return {
        label: `${variants.length > 2 ? `${m.label} (${m.variant})` : m.label}${clipped ? " »" : ""}`,
        estimate: clip(e),
        range,
        truth: `${pct(e)} [${pct(lower)}, ${pct(upper)}]`,
        verdict: m.verdict,
      };
    });
  const widest = Math.min(1, Math.max(0.05, ...forest.flatMap((f) => f.range.map(Math.abs))));
  const fewBuckets = results.exposuresSeries.length < 3;

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <ChartCard
        id="forest"
        title="Relative effects"
        description="Treatment vs control per metric, with 95 % intervals; » marks an interval clipped at ±100 %."
        empty={forest.length ? null : "Effects appear once both arms have data."}
      >
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart layout="vertical" data={forest} margin={{ left: 8, right: 16 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} opacity={0.4} />
            <XAxis type="number" domain={[-widest, widest]} tickFormatter={pct} tick={axis} allowDataOverflow />
            <YAxis type="category" dataKey="label" width={150} tick={axis} />
            <ReferenceLine x={0} stroke="currentColor" />
            <Tooltip formatter={(v, name, item) => (name === "95 % interval" ? (item.payload as { truth: string }).truth : pct(Number(v)))} contentStyle={{ fontSize: 12 }} />
            <Bar dataKey="range" name="95 % interval" barSize={8} isAnimationActive={false}>
              {forest.map((f) => (
                <Cell key={f.label} fill={VERDICT_COLOUR[f.verdict]} />
              ))}
            </Bar>
            <Scatter dataKey="estimate" name="estimate" fill="currentColor" isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </ChartCard>

      <ChartCard
        id="cumulative"
        title={`Cumulative effect${results.cumulative ? `: ${results.cumulative.label}` : ""}`}
        description="Relative effect of the primary metric as data accumulated, with its 95 % band."
        empty={results.cumulative && results.cumulative.points.length > 1 ? null : "Needs data from more than one time bucket."}
      >
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={results.cumulative?.points ?? []} margin={{ left: 0, right: 16 }}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
            <XAxis dataKey="t" tick={axis} tickFormatter={shortTime} minTickGap={24} />
            <YAxis tickFormatter={pct} tick={axis} width={48} />
            <ReferenceLine y={0} stroke="currentColor" />
            <Tooltip formatter={(v) => (Array.isArray(v) ? v.map((x) => pct(Number(x))).join(" to ") : pct(Number(v)))} labelFormatter={(l) => shortTime(String(l))} contentStyle={{ fontSize: 12 }} />
            <Area dataKey="band" name="95 % band" stroke="none" fill="#0284c7" fillOpacity={0.2} isAnimationActive={false} />
            <Line dataKey="estimate" name="effect" stroke="#0284c7" dot={false} strokeWidth={2} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </ChartCard>

      <ChartCard id="exposures" title="Exposures over time" description="Cumulative exposed users per variant." empty={results.exposuresSeries.length ? null : "No exposures yet."}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={results.exposuresSeries} margin={{ left: 0, right: 16 }}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
            <XAxis dataKey="t" tick={axis} tickFormatter={shortTime} minTickGap={24} />
            <YAxis tick={axis} width={56} />
            <Tooltip labelFormatter={(l) => shortTime(String(l))} contentStyle={{ fontSize: 12 }} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {variants.map((v, i) => (
              <Line key={v} dataKey={v} stroke={VARIANT_COLOURS[i % VARIANT_COLOURS.length]} dot={fewBuckets} strokeWidth={2} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </ChartCard>

      <ChartCard
        id="page-load"
        title="Page-load distribution"
        description="Share of each variant's page views per load-time bin (ms, quarter-octave bins)."
        empty={results.pageLoad.length ? null : "No page-load events yet."}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={results.pageLoad} margin={{ left: 0, right: 16 }} barGap={0}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.4} vertical={false} />
            <XAxis dataKey="bin" tick={axis} minTickGap={16} />
            <YAxis tick={axis} width={48} tickFormatter={pct} />
            <Tooltip labelFormatter={(l) => `from ${l} ms`} formatter={(v) => `${(Number(v) * 100).toFixed(1)} %`} contentStyle={{ fontSize: 12 }} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {variants.map((v, i) => (
              <Bar key={v} dataKey={v} fill={VARIANT_COLOURS[i % VARIANT_COLOURS.length]} fillOpacity={0.75} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </ChartCard>
    </div>
  );
}

function shortTime(t: string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : `${d.toISOString().slice(5, 10)} ${d.toISOString().slice(11, 16)}`;
}
