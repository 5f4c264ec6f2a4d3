// Which time series the per-user rollup holds for an experiment, and whether it serves a request's.
//
// getResults asks for the cumulative series of the experiment's primary metric. A proportion's
// comes from each user's first post-exposure engagement (eng_first); for a mean, a ratio or a rater
// mean the rollup keeps each user's post-exposure entries of that one metric, by UTC hour (migration
// 0006). The choice is the experiment's (its primary metric), never the request's, so the decision
// engine (no series) and getResults (series) agree on the rollup's definition and never rebuild it
// back and forth; changing the primary metric rebuilds the rollup once.
import type { Experiment } from "@/server/experiments/types";
import { metricDefinition } from "./metrics";
import type { BucketSpec, Family, MetricDefinition, RollupSeries, SeriesSpec } from "./types";

const HOUR = 3_600_000;

export type SeriesExperiment = Pick<Experiment, "key"> & { metrics?: Pick<Experiment["metrics"], "primary"> };

/** The series a metric would have: its family, how its per-user values are tested, a custom metric's name; none for percentiles. */
export function seriesOfMetric(def: MetricDefinition): { family: Family; kind: SeriesSpec["kind"]; name?: string } | null {
  const s = def.source;
  if (def.kind === "percentile") return null;
  if (s.family === "feedback") return { family: "feedback", kind: "feedback" };
  if (s.family === "custom") return { family: "custom", kind: "mean", name: s.name };
  return { family: s.family, kind: def.kind };
}

export function rollupSeriesOf(experiment: SeriesExperiment): RollupSeries | null {
  const def = experiment.metrics ? metricDefinition(experiment.metrics.primary) : null;
  const series = def ? seriesOfMetric(def) : null;
  return series && series.kind !== "proportion" ? { ...series, kind: series.kind } : null;
}

/** The part of the rollup's definition that the series choice sets. */
export const rollupSeriesKey = (s: RollupSeries | null): string => (s ? `${s.family}/${s.kind}${s.name ? `/${s.name}` : ""}` : "none");

/**
 * Whether the rollup can serve a request's series: none, the engagement proportion, or the
 * rollup's own series over buckets made of whole hours (hourly entries map to one bucket each).
 */
export function rollupServesSeries(series: SeriesSpec | null, rollup: RollupSeries | null, custom: string[], buckets: BucketSpec): boolean {
  if (!series || (series.kind === "proportion" && series.family === "engagement")) return true;
  if (!rollup || series.family !== rollup.family || series.kind !== rollup.kind) return false;
  if (series.family === "custom" && custom[series.customIndex ?? 0] !== rollup.name) return false;
  return buckets.origin % HOUR === 0 && buckets.width % HOUR === 0;
}
