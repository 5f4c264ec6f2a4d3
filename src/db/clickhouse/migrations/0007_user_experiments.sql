-- Which experiments exposed a user, keyed by the user (src/server/decisions/README.md, "Scale").
--
-- KPI events carry only the user; the event-driven trigger maps the users with newly stored KPI
-- events to the running experiments that exposed them. first_exposures is ordered by experiment
-- first, and the exposure rows of `events` by user id in 8192-row granules: a few thousand random
-- users touch nearly every granule of either (10M rows at 100 experiments x 100k users), so each
-- look read most of the table. Here a look is a primary-key read of the touched users' hashes in
-- 256-row granules: its cost grows with the users touched, not with the exposures stored (the index
-- is ~40k marks at 10M rows, kept in memory). (The rollup asks per experiment, and reads that
-- experiment's range of first_exposures instead.)
-- * uh = cityHash64(user_id), a collision only makes the trigger mark an extra experiment.
-- * Fed by a materialized view on the exposure events, like first_exposures (0002): any insert path
--   (pipeline, spool replay, tests) fills it; its part commits after the events part, which the
--   trigger's 5 s overlap covers. Retries and repeat exposures add copies that
--   ReplacingMergeTree folds; readers never depend on that (they ask "is there a row").
-- * The existing exposures are copied once (a row inserted twice by the view and the copy is the
--   same row).
CREATE TABLE IF NOT EXISTS {{local:user_experiments}} {{on_cluster}} (
  uh UInt64,
  experiment LowCardinality(String),
  user_id String
) ENGINE = {{engine:ReplacingMergeTree}}
ORDER BY (uh, experiment)
SETTINGS index_granularity = 256;

{{distributed:user_experiments}};

CREATE MATERIALIZED VIEW IF NOT EXISTS user_experiments_mv {{on_cluster}} TO {{local:user_experiments}} AS
SELECT cityHash64(e.user_id) AS uh, e.experiment AS experiment, e.user_id AS user_id
FROM {{local:events}} AS e
WHERE e.type = 'exposure'
GROUP BY e.user_id, e.experiment;

INSERT INTO user_experiments (uh, experiment, user_id)
SELECT cityHash64(user_id), experiment, user_id FROM first_exposures GROUP BY experiment, user_id;
