-- Incremental per-user rollup of the results pipeline (src/server/results/README.md, "Rollup").
--
-- * events.inserted_at: when the server stored the row. MATERIALIZED, so no client (and no spool
--   replay) can set it: a replayed or retried batch always gets a fresh value and its users are
--   refreshed. received_at cannot serve: it is the client request's time, kept across replays.
--   The minmax index (one granule each) lets "rows stored since the watermark" skip old granules.
--   Existing rows are materialized once (otherwise each read would evaluate now64() again and they
--   would look new forever).
-- * results_user_rollup: one row per (experiment, exposed user) with the user's attribution and
--   per-user values of every metric family, recomputed whole for the users touched since the
--   experiment's watermark; the newest version of a row wins (ReplacingMergeTree, read with FINAL).
--   One partition per experiment, so that a refresh can merge its experiment's parts alone
--   (OPTIMIZE … PARTITION … FINAL), after which FINAL reads cost nothing extra.
--   user_id is stored only so that a cluster shards the rollup like the events (by user).
-- * results_rollup_state: per experiment the watermark and the rollup definition it was built with
--   (a different definition rebuilds). Its user_id is always '' and exists only because the
--   Distributed macro shards by cityHash64(user_id).
ALTER TABLE {{local:events}} {{on_cluster}} ADD COLUMN IF NOT EXISTS inserted_at DateTime64(3, 'UTC') MATERIALIZED now64(3);
-- the Distributed table in front of events_local needs the column too (single node: same table, no-op)
ALTER TABLE events {{on_cluster}} ADD COLUMN IF NOT EXISTS inserted_at DateTime64(3, 'UTC') MATERIALIZED now64(3);
ALTER TABLE {{local:events}} {{on_cluster}} ADD INDEX IF NOT EXISTS inserted_at_minmax inserted_at TYPE minmax GRANULARITY 1;
ALTER TABLE {{local:events}} {{on_cluster}} MATERIALIZE COLUMN inserted_at SETTINGS mutations_sync = 2;
ALTER TABLE {{local:events}} {{on_cluster}} MATERIALIZE INDEX inserted_at_minmax SETTINGS mutations_sync = 2;

CREATE TABLE IF NOT EXISTS {{local:results_user_rollup}} {{on_cluster}} (
  experiment LowCardinality(String),
  uh UInt64,
  user_id String,
  version UInt64,
  vh UInt64,
  first_at DateTime64(3, 'UTC'),
  multi UInt8,
  eng UInt32,
  eng_pre UInt32,
  eng_first DateTime64(3, 'UTC'),
  err UInt32,
  req UInt32,
  pl_n UInt32,
  pl_sum Float64,
  pl_values Array(Float64),
  fb_n UInt32,
  fb_sum Float64,
  cm_post Map(String, Float64),
  cm_pre Map(String, Float64)
) ENGINE = {{engine:ReplacingMergeTree(version)}}
PARTITION BY experiment
ORDER BY (experiment, uh);

{{distributed:results_user_rollup}};

CREATE TABLE IF NOT EXISTS {{local:results_rollup_state}} {{on_cluster}} (
  experiment LowCardinality(String),
  user_id String DEFAULT '',
  definition String,
  watermark DateTime64(3, 'UTC'),
  version UInt64
) ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY experiment;

{{distributed:results_rollup_state}};
