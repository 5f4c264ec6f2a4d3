-- The per-user rollup also keeps the time-series entries of the experiment's primary metric
-- (src/server/results/README.md, "Rollup"): per post-exposure event of that metric, (UTC hour, x, y)
-- as the per-request pass would put it in the series (x: the numerator, y: the denominator, 0 for
-- means). Hourly is enough: series buckets are whole hours or days from an hour-aligned origin.
-- Empty when the primary metric is a proportion (its series comes from eng_first).
ALTER TABLE {{local:results_user_rollup}} {{on_cluster}} ADD COLUMN IF NOT EXISTS series Array(Tuple(UInt32, Float64, Float64));
-- the Distributed table in front needs the column too (single node: same table, no-op)
ALTER TABLE results_user_rollup {{on_cluster}} ADD COLUMN IF NOT EXISTS series Array(Tuple(UInt32, Float64, Float64));
