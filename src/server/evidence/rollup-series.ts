// Whether the time series the per-user rollup holds serves a request's.
//
// getResults asks for the cumulative series of the experiment's primary metric. The rollup keeps,
// per user, each post-exposure event of that one metric as (UTC hour, x, y) (migration 0006;
// ./rollup.sql.ts), for every kind but percentiles. The choice is the experiment's (its primary
// metric, ./components.ts rollupSpecOf), never the request's, so the decision engine (no series) and
// getResults (series) agree on the rollup's definition and never rebuild it back and forth; changing
// the primary metric (or its definition) rebuilds the rollup once.
import { seriesKey } from "./components";
import type { BucketSpec, SeriesSpec } from "./types";

const HOUR = 3_600_000;

/**
 * Whether the rollup can serve a request's series: none, or the rollup's own series (same kind and
 * selectors) over buckets made of whole hours (hourly entries map to one bucket each).
 */
export function rollupServesSeries(series: SeriesSpec | null, rollup: SeriesSpec | null, buckets: BucketSpec): boolean {
  if (!series) return true;
  if (!rollup || seriesKey(series) !== seriesKey(rollup)) return false;
  return buckets.origin % HOUR === 0 && buckets.width % HOUR === 0;
}
