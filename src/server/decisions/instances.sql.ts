// Rolling deploys: the unit is the instance (events' userId = instanceId). Per instance its mean page
// load time since its first exposure, grouped by the version it runs, for the Mann-Whitney comparison
// of new-version instances with old-version ones. A fleet has few instances, so the per-instance
// values (not events) may leave ClickHouse; capped all the same.
export const MAX_INSTANCES_PER_VARIANT = 10_000;

export const INSTANCE_LOAD_TIMES_SQL = `
SELECT variant, groupArray(${MAX_INSTANCES_PER_VARIANT})(mean_ms) AS means
FROM (
  SELECT f.variant AS variant, avg(ev.value) AS mean_ms
  FROM (
    SELECT user_id, value, timestamp FROM events FINAL
    WHERE type = 'page_load' AND user_id IN (SELECT user_id FROM first_exposures WHERE experiment = {experiment:String})
  ) AS ev
  INNER JOIN (
    SELECT user_id, argMinMerge(variant) AS variant, minMerge(first_at) AS first_at, length(groupUniqArrayMerge(variants)) AS nv
    FROM first_exposures WHERE experiment = {experiment:String} GROUP BY user_id
  ) AS f ON ev.user_id = f.user_id
  WHERE f.nv = 1 AND ev.timestamp >= f.first_at
  GROUP BY f.user_id, f.variant
)
GROUP BY variant`;
