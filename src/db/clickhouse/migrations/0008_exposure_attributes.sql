-- Segment values (issue 16, src/server/evidence/README.md "Segments"): a unit's segment value is
-- its attribute at FIRST exposure, i.e. the properties of its earliest exposure event (/assign
-- records the unit's attributes there; SDKs send them as the exposure's properties).
-- Kept per (experiment, user) at insert time like first_exposures (0002), in a table of its own so
-- that first_exposures and its view stay untouched: argMin is idempotent under retried exposures,
-- so the table is exact before the events merge. A tie at the same millisecond between different
-- properties keeps either (such a unit has two "first" exposures). first_at (the state's own minimum)
-- lets a read finalize each row and pick the earliest across unmerged rows with numeric aggregates,
-- without merging string states per user (src/server/evidence/segments.sql.ts).
CREATE TABLE IF NOT EXISTS {{local:exposure_attributes}} {{on_cluster}} (
  experiment LowCardinality(String),
  user_id String,
  properties AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
  first_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
) ENGINE = {{engine:AggregatingMergeTree}}
ORDER BY (experiment, user_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS exposure_attributes_mv {{on_cluster}} TO {{local:exposure_attributes}} AS
SELECT e.experiment AS experiment, e.user_id AS user_id, argMinState(e.properties, e.timestamp) AS properties, min(e.timestamp) AS first_at
FROM {{local:events}} AS e
WHERE e.type = 'exposure'
GROUP BY e.experiment, e.user_id;

-- exposures stored before this migration (idempotent: a row the view also wrote merges to the same state)
INSERT INTO {{local:exposure_attributes}}
SELECT e.experiment AS experiment, e.user_id AS user_id, argMinState(e.properties, e.timestamp) AS properties, min(e.timestamp) AS first_at
FROM {{local:events}} AS e
WHERE e.type = 'exposure'
GROUP BY e.experiment, e.user_id;

{{distributed:exposure_attributes}}
