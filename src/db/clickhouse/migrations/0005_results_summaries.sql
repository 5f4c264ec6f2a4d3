-- Stored per-variant summaries of the results pipeline (src/server/results/README.md, "Stored summaries").
--
-- The per-variant rows that the summary queries compute from an experiment's per-user rollup, kept
-- for the rollup watermark they were computed at. A read whose rollup is still at that watermark
-- (no event stored since) reuses them instead of aggregating a million rollup rows again; any new
-- event moves the watermark, so a stored row is never served for data it did not see.
-- * signature: a hash of the two queries' SQL and request parameters (metrics, custom names,
--   cohort start, time buckets, variants): another request, or changed SQL, never matches.
-- * watermark: the rollup state's watermark (ms) the rows were computed at; the newest wins.
-- * user_id is always '' and exists only because the Distributed macro shards by cityHash64(user_id).
-- * TTL: rows of experiments nobody reads go away; a read after that computes them again.
CREATE TABLE IF NOT EXISTS {{local:results_summaries}} {{on_cluster}} (
  experiment LowCardinality(String),
  user_id String DEFAULT '',
  signature String,
  watermark UInt64,
  payload String,
  stored_at DateTime('UTC') DEFAULT now()
) ENGINE = {{engine:ReplacingMergeTree(watermark)}}
ORDER BY (experiment, signature)
TTL stored_at + INTERVAL 7 DAY;

{{distributed:results_summaries}}
