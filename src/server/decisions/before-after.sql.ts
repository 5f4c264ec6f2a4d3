// Toggle with holdback 0: nobody keeps the old behaviour, so the only view on a guardrail is the same
// users before and after they got "on". Per user (exposed to the "on" variant only), split at their
// own first exposure t: before = [t − baseline, t), after = [t, until): a group released later is
// split when it was released, not at the experiment's start. The sums are the bake's (./bake.sql.ts).
import { PAIRED_SUMS } from "./bake.sql";

const ON_USERS = `
  SELECT user_id, min(timestamp) AS t FROM events FINAL
  WHERE type = 'exposure' AND experiment = {experiment:String} AND timestamp < fromUnixTimestamp64Milli({untilMs:Int64}, 'UTC')
  GROUP BY user_id HAVING uniqExact(variant) = 1 AND any(variant) = {on:String}`;

export const BEFORE_AFTER_SQL = `
SELECT${PAIRED_SUMS},
  (SELECT count() FROM (${ON_USERS})) AS users
FROM (
  SELECT
    k.user_id AS user_id,
    countIf(k.type = 'request' AND k.timestamp < f.t) AS req_b,
    countIf(k.type = 'request' AND k.timestamp >= f.t) AS req_a,
    countIf(k.type = 'error' AND k.timestamp < f.t) AS err_b,
    countIf(k.type = 'error' AND k.timestamp >= f.t) AS err_a,
    countIf(k.type = 'page_load' AND k.timestamp < f.t) AS pl_nb,
    countIf(k.type = 'page_load' AND k.timestamp >= f.t) AS pl_na,
    sumIf(k.value, k.type = 'page_load' AND k.timestamp < f.t) AS plsum_b,
    sumIf(k.value, k.type = 'page_load' AND k.timestamp >= f.t) AS plsum_a
  FROM (
    SELECT user_id, type, value, timestamp FROM events FINAL
    WHERE type IN ('request', 'error', 'page_load')
      AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND timestamp < fromUnixTimestamp64Milli({untilMs:Int64}, 'UTC')
      AND user_id IN (SELECT user_id FROM (${ON_USERS}))
  ) AS k
  INNER JOIN (${ON_USERS}) AS f ON k.user_id = f.user_id
  WHERE k.timestamp >= f.t - toIntervalMinute({baselineMinutes:UInt32})
  GROUP BY k.user_id
)`;
