// Maps the results pipeline's response (summary statistics compared by analysis/) to what the page shows.
import type { Results } from "@/server/results/get";
import type { Finite } from "@/server/results/json";
import type { Experiment } from "@/server/experiments/types";
import type { MetricRowView, ResultsView } from "./view";

type R = Finite<Results>;

const UNITS = new Set(["ms", "share", "count", "score"]);

function interval(i: { estimate: number | null; lower: number | null; upper: number | null } | null | undefined) {
  return i && i.estimate !== null ? { estimate: i.estimate, lower: i.lower, upper: i.upper } : null;
}

export function toResultsView(r: R, e: Experiment): ResultsView {
  const control = r.experiment.control;
  const variants = r.experiment.variants.length ? r.experiment.variants : e.variants.map((v) => v.key);
  const weight = new Map(e.variants.map((v) => [v.key, v.weight]));
  const srm = r.dataQuality.srm;
  const metrics = metricRows(r.metrics, "Holm-adjusted p");

  const buckets = r.timeseries.buckets;
  const treatment = r.experiment.treatment;
  const primaryLabel = r.metrics.find((m) => m.name === r.timeseries.metric)?.label ?? r.timeseries.metric;
  const cumulativePoints = buckets.flatMap((b) => {
    const eff = b.effects[treatment]?.relative;
    if (!eff || eff.estimate === null || eff.lower === null || eff.upper === null) return [];
    return [{ t: b.start, estimate: eff.estimate, band: [eff.lower, eff.upper] as [number, number] }];
  });
  const exposuresSeries: Record<string, number | string>[] = buckets.map((b) => ({ t: b.start, ...Object.fromEntries(variants.map((v) => [v, b.exposures[v] ?? 0])) }));

  return {
    computedAt: r.computedAt,
    lastExposureAt: lastExposureAt(buckets.map((b) => ({ start: b.start, total: variants.reduce((sum, v) => sum + (b.exposures[v] ?? 0), 0) }))),
    control,
    controlRole: e.strategy === "toggle" ? "holdback" : "control",
    arms: variants.map((v) => ({ variant: v, exposures: r.exposures.byVariant[v] ?? 0, expectedShare: srm.expected[v] ?? weight.get(v) ?? 0 })),
    srm: {
      pValue: srm.pValue,
      mismatch: srm.mismatch === true,
      checked: srm.mismatch !== null,
      note: srm.applicable ? `Chi-square test of ${srm.reason}; a mismatch (p < ${srm.threshold}) means the data cannot be trusted.` : `Not applicable: ${srm.reason}.`,
    },
    metrics,
    exposuresSeries: exposuresSeries.some((p) => variants.some((v) => Number(p[v]) > 0)) ? exposuresSeries : [],
    cumulative: { metric: r.timeseries.metric, label: primaryLabel, points: cumulativePoints },
    pageLoad: histogramView(r, variants),
    beforeAfter: beforeAfterView(r),
  };
}

/** The table rows of a set of metric results (the whole experiment, or one segment value); `adjusted` names the correction behind adjustedPValue. */
export function metricRows(metrics: R["metrics"], adjusted: string): MetricRowView[] {
  const rows: MetricRowView[] = metrics.flatMap((m) =>
    m.comparisons.map((c) => ({
      metric: m.name,
      label: m.label,
      role: m.role,
      unit: (UNITS.has(m.unit ?? "") ? m.unit : null) as MetricRowView["unit"],
      direction: m.direction,
      variant: c.variant,
      control: { n: c.control.n ?? 0, value: c.control.mean, variance: c.control.variance },
      treatment: { n: c.treatment.n ?? 0, value: c.treatment.mean },
      absolute: interval(c.absolute),
      relative: c.relativeUndefined ? null : interval(c.relative),
      pValue: c.adjustedPValue ?? c.pValue,
      alwaysValidP: c.alwaysValid?.pValue ?? null,
      significant: c.significant,
      verdict: c.status === "insufficient_data" ? "insufficient" : c.outcome === "better" ? "good" : c.outcome === "worse" ? "harm" : "inconclusive",
      cupedReduction: c.cuped?.varianceReduction ?? null,
      note:
        [
          m.role === "primary" ? "primary" : m.role === "guardrail" ? "guardrail" : null,
          c.adjustedPValue !== null ? adjusted : null,
          c.status === "insufficient_data" ? c.statusReason : c.degenerate ? `(${c.degenerate})` : null,
        ]
          .filter(Boolean)
          .join(" · ") || null,
    })),
  );
  // order: primary, guardrails, secondary, then the rest
  const rank = new Map(metrics.map((m) => [m.name, { primary: 0, guardrail: 1, secondary: 2, other: 3 }[m.role]]));
  rows.sort((a, b) => (rank.get(a.metric) ?? 9) - (rank.get(b.metric) ?? 9));
  return rows;
}

function beforeAfterView(r: R): ResultsView["beforeAfter"] {
  const b = r.beforeAfter;
  if (!b) return null;
  return {
    label: b.label,
    variant: b.variant,
    users: b.users ?? 0,
    baselineMinutes: b.baselineMinutes ?? 0,
    caveat: b.caveat,
    metrics: b.metrics.map((m) => {
      const def = r.metrics.find((x) => x.name === m.metric);
      return {
        metric: m.metric,
        label: def?.label ?? m.metric,
        unit: (UNITS.has(def?.unit ?? "") ? def?.unit : null) as MetricRowView["unit"],
        pairedUsers: m.pairedUsers ?? 0,
        before: m.before,
        after: m.after,
        difference: m.difference === null || m.difference === undefined ? null : { estimate: m.difference, lower: m.interval?.[0] ?? null, upper: m.interval?.[1] ?? null },
        relativeChange: m.relativeChange,
      };
    }),
  };
}

/** Share of each variant's page views per load-time bin, so arms of different sizes compare. */
function histogramView(r: R, variants: string[]): Record<string, number | string>[] {
  if (!r.histogram) return [];
  const byVariant = r.histogram.variants;
  const totals = Object.fromEntries(variants.map((v) => [v, (byVariant[v] ?? []).reduce((s, b) => s + (b.count ?? 0), 0)]));
  if (!variants.some((v) => totals[v] > 0)) return [];
  const bins = new Map<number, { fromMs: number; toMs: number | null }>();
  for (const v of variants) for (const b of byVariant[v] ?? []) if (b.fromMs !== null) bins.set(b.fromMs, { fromMs: b.fromMs, toMs: b.toMs });
  const ordered = [...bins.values()].sort((a, b) => a.fromMs - b.fromMs);
  return ordered.map((bin) => {
    const row: Record<string, number | string> = { bin: bin.toMs === null ? `≥ ${Math.round(bin.fromMs)}` : `${Math.round(bin.fromMs)}` };
    for (const v of variants) {
      const hit = (byVariant[v] ?? []).find((b) => b.fromMs === bin.fromMs);
      row[v] = totals[v] ? (hit?.count ?? 0) / totals[v] : 0;
    }
    return row;
  });
}

/** End of the first bucket whose cumulative exposures already equal the final total. */
function lastExposureAt(points: { start: string; total: number }[]): string | null {
  if (points.length < 2 || points[points.length - 1].total === 0) return null;
  const final = points[points.length - 1].total;
  const i = points.findIndex((p) => p.total === final);
  const width = Date.parse(points[1].start) - Date.parse(points[0].start);
  return new Date(Date.parse(points[i].start) + width).toISOString();
}
