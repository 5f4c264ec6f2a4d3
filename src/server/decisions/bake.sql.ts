// Blue-green bake: the same users before and after the switch, paired per user. The users are those
// exposed before the switch to the previous live side only (verification traffic on the idle side
// is left out); per user and window, their error rate (errors / requests) and mean page-load time:
// before = [baselineFrom, switchAt), after = [switchAt, until). Only users with data in both windows
// count, and only the sums needed for any linear contrast a·after − b·before leave ClickHouse.
export const BAKE_METRICS = ["error_rate", "page_load_time"] as const;
export type BakeMetric = (typeof BAKE_METRICS)[number];

/** The per-user paired sums over a subquery of per-user window counts (req_b/req_a, err_b/err_a,
 *  pl_nb/pl_na, plsum_b/plsum_a): also the toggle's before/after view (./before-after.sql.ts). */
export const PAIRED_SUMS = `
  countIf(req_b > 0 AND req_a > 0) AS err_n,
  sumIf(err_b / req_b, req_b > 0 AND req_a > 0) AS err_sb,
  sumIf(err_a / req_a, req_b > 0 AND req_a > 0) AS err_sa,
  sumIf(pow(err_b / req_b, 2), req_b > 0 AND req_a > 0) AS err_sbb,
  sumIf(pow(err_a / req_a, 2), req_b > 0 AND req_a > 0) AS err_saa,
  sumIf((err_a / req_a) * (err_b / req_b), req_b > 0 AND req_a > 0) AS err_sab,
  countIf(pl_nb > 0 AND pl_na > 0) AS pl_n,
  sumIf(plsum_b / pl_nb, pl_nb > 0 AND pl_na > 0) AS pl_sb,
  sumIf(plsum_a / pl_na, pl_nb > 0 AND pl_na > 0) AS pl_sa,
  sumIf(pow(plsum_b / pl_nb, 2), pl_nb > 0 AND pl_na > 0) AS pl_sbb,
  sumIf(pow(plsum_a / pl_na, 2), pl_nb > 0 AND pl_na > 0) AS pl_saa,
  sumIf((plsum_a / pl_na) * (plsum_b / pl_nb), pl_nb > 0 AND pl_na > 0) AS pl_sab`;

export const BAKE_PAIRED_SQL = `
WITH
  fromUnixTimestamp64Milli({baselineFromMs:Int64}, 'UTC') AS t0,
  fromUnixTimestamp64Milli({switchAtMs:Int64}, 'UTC') AS sw,
  fromUnixTimestamp64Milli({untilMs:Int64}, 'UTC') AS t1
SELECT${PAIRED_SUMS},
  (SELECT count() FROM (
    SELECT user_id FROM events FINAL
    WHERE type = 'exposure' AND experiment = {experiment:String} AND timestamp < sw
    GROUP BY user_id HAVING uniqExact(variant) = 1 AND any(variant) = {previous:String}
  )) AS users_before
FROM (
  SELECT
    user_id,
    countIf(type = 'request' AND timestamp < sw) AS req_b,
    countIf(type = 'request' AND timestamp >= sw) AS req_a,
    countIf(type = 'error' AND timestamp < sw) AS err_b,
    countIf(type = 'error' AND timestamp >= sw) AS err_a,
    countIf(type = 'page_load' AND timestamp < sw) AS pl_nb,
    countIf(type = 'page_load' AND timestamp >= sw) AS pl_na,
    sumIf(value, type = 'page_load' AND timestamp < sw) AS plsum_b,
    sumIf(value, type = 'page_load' AND timestamp >= sw) AS plsum_a
  FROM events FINAL
  WHERE type IN ('request', 'error', 'page_load') AND timestamp >= t0 AND timestamp < t1
    AND user_id IN (
      SELECT user_id FROM events FINAL
      WHERE type = 'exposure' AND experiment = {experiment:String} AND timestamp < sw
      GROUP BY user_id HAVING uniqExact(variant) = 1 AND any(variant) = {previous:String}
    )
  GROUP BY user_id
)`;
