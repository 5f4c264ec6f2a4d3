-- First exposure per (experiment, user), maintained at insert time so that analysis never rescans
-- raw exposure events. argMin/min/groupUniqArray are idempotent under retried (duplicate) exposure
-- events, so this table is exact even before the events table merges duplicates.
-- `variants` lets the analysis exclude units that saw more than one variant (multiple exposures).
CREATE TABLE IF NOT EXISTS {{local:first_exposures}} {{on_cluster}} (
  experiment LowCardinality(String),
  user_id String,
  variant AggregateFunction(argMin, LowCardinality(String), DateTime64(3, 'UTC')),
  first_at AggregateFunction(min, DateTime64(3, 'UTC')),
  variants AggregateFunction(groupUniqArray, LowCardinality(String))
) ENGINE = {{engine:AggregatingMergeTree}}
ORDER BY (experiment, user_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS first_exposures_mv {{on_cluster}} TO {{local:first_exposures}} AS
SELECT
  e.experiment AS experiment,
  e.user_id AS user_id,
  argMinState(e.variant, e.timestamp) AS variant,
  minState(e.timestamp) AS first_at,
  groupUniqArrayState(e.variant) AS variants
FROM {{local:events}} AS e
WHERE e.type = 'exposure'
GROUP BY e.experiment, e.user_id;

{{distributed:first_exposures}}
