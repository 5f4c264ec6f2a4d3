// A metric definition → the per-unit values ("components") the SQL computes (README "Components").
//
// Every metric, built-in or stored, is its numerator / denominator event selectors: a scalar
// component is one selector's per-unit value (count / sum / any of the matching events), a value
// component the matching events' values themselves (percentiles). Identical selectors of different
// metrics are one component. An experiment's rollup holds the components of the built-ins and of
// the experiment's own metrics, at positions fixed by this list (part of the rollup's definition,
// so a changed list rebuilds that experiment's rollup); a request reads its metrics' positions.
import type { Experiment } from "@/server/experiments/types";
import { builtInMetrics, metricDefinition } from "./metrics";
import type { ComponentSet, EventSelector, MetricDefinition, RollupSpec, SeriesSpec } from "./types";

type ValueSelector = Omit<EventSelector, "aggregate">;

/** Canonical text of a selector: equal selectors, one component. */
export function selectorKey(s: ValueSelector & { aggregate?: EventSelector["aggregate"] }): string {
  return JSON.stringify([s.type, s.name ?? "", s.aggregate ?? "values", (s.where ?? []).map((f) => [f.property, f.op, f.value ?? null])]);
}

const valueSelector = (s: EventSelector): ValueSelector => ({ type: s.type, ...(s.name !== undefined ? { name: s.name } : {}), ...(s.where ? { where: s.where } : {}) });

/** The scalar selectors of a metric (numerator, then denominator for ratios); none for percentiles. */
export function scalarSelectors(def: MetricDefinition): EventSelector[] {
  if (def.kind === "percentile") return [];
  return def.kind === "ratio" && def.denominator ? [def.numerator, def.denominator] : [def.numerator];
}

/** Whether the metric's numerator carries a CUPED pre-period covariate. */
const wantsPre = (def: MetricDefinition) => def.cuped && (def.kind === "proportion" || def.kind === "mean");

/** The components of a set of metrics, sorted by key (a stable order: the positions of the rollup's arrays). */
export function componentsOf(defs: readonly MetricDefinition[]): ComponentSet {
  const scalar = new Map<string, { sel: EventSelector; pre: boolean }>();
  const values = new Map<string, ValueSelector>();
  for (const def of defs) {
    if (def.kind === "percentile") values.set(selectorKey(valueSelector(def.numerator)), valueSelector(def.numerator));
    for (const sel of scalarSelectors(def)) {
      const key = selectorKey(sel);
      const pre = (scalar.get(key)?.pre ?? false) || (sel === def.numerator && wantsPre(def));
      scalar.set(key, { sel, pre });
    }
  }
  const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  const s = sorted(scalar);
  return { scalar: s.map((c) => c.sel), values: sorted(values), pre: s.map((c) => c.pre) };
}

/** Position (0-based) of a scalar / value selector in a component set, or -1. */
export const scalarPosition = (set: ComponentSet, sel: EventSelector) => set.scalar.findIndex((c) => selectorKey(c) === selectorKey(sel));
export const valuePosition = (set: ComponentSet, sel: EventSelector) => set.values.findIndex((c) => selectorKey(c) === selectorKey(valueSelector(sel)));

/** Whether `outer` holds every component of `inner` (with its pre-period value where `inner` needs one). */
export function covers(outer: ComponentSet, inner: ComponentSet): boolean {
  return (
    inner.scalar.every((sel, i) => {
      const at = scalarPosition(outer, sel);
      return at >= 0 && (!inner.pre[i] || outer.pre[at]);
    }) && inner.values.every((sel) => outer.values.some((c) => selectorKey(c) === selectorKey(sel)))
  );
}

/** The time series a metric has (none for percentiles). */
export function seriesOfMetric(def: MetricDefinition): SeriesSpec | null {
  if (def.kind === "percentile") return null;
  return { metric: def.name, kind: def.kind, numerator: def.numerator, ...(def.kind === "ratio" && def.denominator ? { denominator: def.denominator } : {}) };
}

export const seriesKey = (s: SeriesSpec | null): string => (s ? JSON.stringify([s.kind, selectorKey(s.numerator), s.denominator ? selectorKey(s.denominator) : null]) : "none");

export type RollupExperiment = Pick<Experiment, "key"> & {
  metrics?: { primary?: string; secondary?: readonly string[]; guardrails?: readonly { metric: string }[] };
};

/** The experiment's metrics: primary (default engagement_rate, as the experiment schema), secondary, guardrails. */
export function experimentMetrics(e: RollupExperiment): MetricDefinition[] {
  const names = [e.metrics?.primary ?? "engagement_rate", ...(e.metrics?.secondary ?? []), ...(e.metrics?.guardrails ?? []).map((g) => g.metric)];
  return names.flatMap((n) => {
    const def = metricDefinition(n);
    return def ? [def] : [];
  });
}

/**
 * What the experiment's rollup holds: the components of every built-in metric and of the
 * experiment's own, and the primary metric's series (none for a percentile primary).
 */
export function rollupSpecOf(e: RollupExperiment): RollupSpec {
  const own = experimentMetrics(e);
  const primary = metricDefinition(e.metrics?.primary ?? "engagement_rate");
  return { components: componentsOf([...builtInMetrics(), ...own]), series: primary ? seriesOfMetric(primary) : null };
}

export const rollupSpecKey = (spec: RollupSpec): string =>
  JSON.stringify({ c: spec.components.scalar.map((s) => selectorKey(s)), p: spec.components.pre, v: spec.components.values.map((s) => selectorKey(s)), s: seriesKey(spec.series) });
