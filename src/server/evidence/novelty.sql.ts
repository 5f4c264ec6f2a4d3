// SQL of the novelty view (./novelty.ts): the primary metric's effect by days since first exposure.
//
// Per exposed single-variant unit, from its rollup row (results_user_rollup FINAL: vh, first_at,
// multi, series = the primary metric's post-exposure entries (UTC hour, x, y), ./rollup.sql.ts):
//   * reached = the last full day since first exposure at the cut: intDiv(cut − first_at, 1 day) − 1
//     (a unit exposed less than a day ago has reached none and counts nowhere), capped at day 29;
//   * an entry's day = intDiv(hour · 3,600,000 − first_at, 1 day), from the entry's UTC HOUR (the
//     rollup keeps no finer time): an event in the first minutes of a day, up to first_at's minutes
//     past the hour, is counted on the day before. Entries of the unit's exposure hour before
//     first_at land on day 0;
//   * per day ≤ reached, the unit's day value: Σx (and Σy) of that day's entries, or for a proportion
//     1 if it has any entry that day; days without entries are 0 and still count in n.
// Sparse per unit (a sumMap of its entries by day, no per-day arrays): per variant, the sums by day
// come from sumMap and the units that reached each day from a histogram of `reached` (suffix sums in
// ./novelty.ts).
//
// The second query sums, per arm, the squared per-unit score of the trend's cluster-robust variance
// (analysis/novelty.ts, NoveltyTrendPlan): s = Σ_days c_x[d]·x_d − c_y[d]·y_d − base[reached], with
// the coefficients computed from the first query's sums and passed as parameters.
//
// Values travel only as {name:Type} parameters; the only constants spliced in are code constants.
import { VH } from "./summaries.sql";

export const NOVELTY_MAX_DAYS = 30;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The experiment's rollup rows (the series is the primary metric's). */
const ROLLUP_USERS = "SELECT vh, multi, first_at, series FROM results_user_rollup FINAL WHERE experiment = {experiment:String}";

/** Where the per-unit daily values come from: the rollup's series of the primary metric (the only source since every kind but percentiles keeps one). */
export type NoveltySource = "rollup";

/**
 * One row per single-variant unit that reached day 0: vh, r (last day reached, ≤ 29) and m = (days,
 * Σx by day, Σy by day) over its entries of days ≤ r. Params: experiment, cut (ms).
 */
function perUnitSql(proportion: boolean): string {
  const users = ROLLUP_USERS;
  const days = `arrayMap(e -> greatest(toInt64(intDiv(toInt64(e.1) * ${HOUR_MS} - toUnixTimestamp64Milli(first_at), ${DAY_MS})), toInt64(0)), series)`;
  const kept = (arr: string) => `arrayFilter((v, d) -> d <= r, ${arr}, ed)`;
  const m = proportion
    ? "tuple(arrayDistinct(arrayFilter(d -> d <= r, ed)) AS k, arrayMap(_ -> toFloat64(1), k), arrayMap(_ -> toFloat64(0), k))"
    : `arrayReduce('sumMap', [arrayFilter(d -> d <= r, ed)], [${kept("arrayMap(e -> e.2, series)")}], [${kept("arrayMap(e -> e.3, series)")}])`;
  return `
  SELECT vh, r, ${m} AS m
  FROM (SELECT vh, multi, series, toInt64(intDiv({cut:Int64} - toUnixTimestamp64Milli(first_at), ${DAY_MS})) - 1 AS reached,
               least(reached, ${NOVELTY_MAX_DAYS - 1}) AS r, ${days} AS ed
        FROM (${users}))
  WHERE NOT multi AND reached >= 0`;
}

/**
 * Per variant: units by last day reached (reached_hist[d], d < 30) and the sums of the units' day
 * values by day (sumMap: [days], [sums]; days without any value are absent, i.e. 0).
 * Params: experiment, cut (ms), variants (names, to name the hashes).
 */
export function noveltyDaysSql(proportion: boolean): string {
  return `
SELECT vh, transform(vh, arrayMap(x -> ${VH("x")}, {variants:Array(String)}), {variants:Array(String)}, '') AS variant,
       countResample(0, ${NOVELTY_MAX_DAYS}, 1)(r) AS reached_hist,
       sumMap(m.1, m.2) AS sx, sumMap(m.1, arrayMap(v -> v * v, m.2)) AS sx2,
       sumMap(m.1, m.3) AS sy, sumMap(m.1, arrayMap(v -> v * v, m.3)) AS sy2, sumMap(m.1, arrayMap((a, b) -> a * b, m.2, m.3)) AS sxy
FROM (${perUnitSql(proportion)})
GROUP BY vh
SETTINGS join_use_nulls = 0`;
}

/**
 * Per arm (vh in {arms}: [control, treatment]): units that reached the trend's first day and Σ s² of
 * their scores. cx, cy, base: per arm, arrays of NOVELTY_MAX_DAYS coefficients (./novelty.ts).
 * Params: experiment, cut, arms (Array(UInt64)), cx, cy, base (Array(Array(Float64))), first (Int64).
 */
export function noveltyScoresSql(proportion: boolean): string {
  return `
SELECT vh, count() AS n, sum(s * s) AS s2
FROM (SELECT vh, r, indexOf({arms:Array(UInt64)}, vh) AS a,
             arraySum((k, x, y) -> {cx:Array(Array(Float64))}[a][k + 1] * x - {cy:Array(Array(Float64))}[a][k + 1] * y, m.1, m.2, m.3)
               - {base:Array(Array(Float64))}[a][r + 1] AS s
      FROM (${perUnitSql(proportion)}))
WHERE a > 0 AND r >= {first:Int64}
GROUP BY vh
SETTINGS join_use_nulls = 0`;
}
