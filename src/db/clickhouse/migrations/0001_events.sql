-- Raw KPI events and exposures: one row per accepted event.
--
-- Why this shape:
-- * ORDER BY (type, name, user_id, id): the analysis reads one metric type for many users at a
--   time, so a type's rows are contiguous and each user's rows sit together for per-user sums.
--   `id` (the client's idempotency key) ends the key, so ReplacingMergeTree collapses retried
--   events in the background; queries must still not rely on merges (see results/*.sql.ts:
--   they deduplicate by id with FINAL or LIMIT 1 BY).
-- * PARTITION BY month of the event time keeps parts few and lets old data be dropped whole.
-- * experiment/variant are only set on exposure events; metric events carry no variant and are
--   attributed through first_exposures (0002) at query time.
CREATE TABLE IF NOT EXISTS {{local:events}} {{on_cluster}} (
  id String,
  type LowCardinality(String),
  name LowCardinality(String) DEFAULT '',
  user_id String,
  experiment LowCardinality(String) DEFAULT '',
  variant LowCardinality(String) DEFAULT '',
  value Float64 DEFAULT 1,
  properties String DEFAULT '{}',
  timestamp DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = {{engine:ReplacingMergeTree}}
PARTITION BY toYYYYMM(timestamp)
ORDER BY (type, name, user_id, id);

{{distributed:events}}
