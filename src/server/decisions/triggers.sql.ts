// Which running experiments have exposed users with KPI events stored since {since} (ms, server
// insertion time), and the latest such insertion per experiment. KPI events carry only the user, so
// the experiments come from user_experiments (migration 0007), ordered by the user's hash in 256-row
// granules: the look is a primary-key read of the touched users (cost grows with the users touched
// since the last look, not with the exposures stored). Before it, the look read the exposure rows of
// `events` by user id, and a few thousand random users touch nearly every 8192-row granule of them:
// 3–19 s per look at 100 experiments x 100k users. `inserted_at` has a minmax index, so the recent
// events are found without scanning old parts. A hash collision only marks an extra experiment.
const RECENT = `SELECT cityHash64(user_id) AS uh, max(inserted_at) AS at FROM events
  WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND type != 'exposure'
  GROUP BY uh`;

export const TOUCHED_EXPERIMENTS_SQL = `
SELECT x.experiment AS experiment, toUnixTimestamp64Milli(max(t.at)) AS last
FROM (SELECT DISTINCT uh, experiment FROM user_experiments
      WHERE uh IN (SELECT uh FROM (${RECENT})) AND experiment IN {experiments:Array(String)}) AS x
INNER JOIN (${RECENT}) AS t ON x.uh = t.uh
GROUP BY x.experiment`;

export const SERVER_NOW_SQL = "SELECT toUnixTimestamp64Milli(now64(3)) AS now";
