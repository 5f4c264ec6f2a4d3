-- Metric definitions (issue 16, src/server/evidence/README.md "Components"): the per-user rollup no
-- longer keeps fixed per-family columns (eng, err, req, pl_*, fb_*, cm_*) but the values of the
-- experiment's metric components, at positions fixed by the component list in its rollup definition
-- (results_rollup_state.definition: a changed list rebuilds that experiment's rollup).
-- * c_post: per scalar component (an event selector with count / sum / any) the user's value from
--   the first exposure on
-- * c_pre: the same over the CUPED window before it (0 for components no CUPED metric reads)
-- * c_values: per value component (a percentile metric's selector) the user's post-exposure values
-- series (0006) keeps its meaning: (UTC hour, x, y) of the primary metric's post-exposure events.
-- Existing rollups carry an older definition and are rebuilt on their next read.
ALTER TABLE {{local:results_user_rollup}} {{on_cluster}} ADD COLUMN IF NOT EXISTS c_post Array(Float64), ADD COLUMN IF NOT EXISTS c_pre Array(Float64), ADD COLUMN IF NOT EXISTS c_values Array(Array(Float64));
-- the Distributed table in front needs the columns too (single node: same table, no-op)
ALTER TABLE results_user_rollup {{on_cluster}} ADD COLUMN IF NOT EXISTS c_post Array(Float64), ADD COLUMN IF NOT EXISTS c_pre Array(Float64), ADD COLUMN IF NOT EXISTS c_values Array(Array(Float64));
ALTER TABLE {{local:results_user_rollup}} {{on_cluster}} DROP COLUMN IF EXISTS eng, DROP COLUMN IF EXISTS eng_pre, DROP COLUMN IF EXISTS eng_first, DROP COLUMN IF EXISTS err, DROP COLUMN IF EXISTS req, DROP COLUMN IF EXISTS pl_n, DROP COLUMN IF EXISTS pl_sum, DROP COLUMN IF EXISTS pl_values, DROP COLUMN IF EXISTS fb_n, DROP COLUMN IF EXISTS fb_sum, DROP COLUMN IF EXISTS cm_post, DROP COLUMN IF EXISTS cm_pre;
ALTER TABLE results_user_rollup {{on_cluster}} DROP COLUMN IF EXISTS eng, DROP COLUMN IF EXISTS eng_pre, DROP COLUMN IF EXISTS eng_first, DROP COLUMN IF EXISTS err, DROP COLUMN IF EXISTS req, DROP COLUMN IF EXISTS pl_n, DROP COLUMN IF EXISTS pl_sum, DROP COLUMN IF EXISTS pl_values, DROP COLUMN IF EXISTS fb_n, DROP COLUMN IF EXISTS fb_sum, DROP COLUMN IF EXISTS cm_post, DROP COLUMN IF EXISTS cm_pre;
