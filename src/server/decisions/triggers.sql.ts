// Which running experiments have exposed users with KPI events stored since {since} (ms, server
// insertion time), and the latest such insertion per experiment. KPI events carry only the user, so
// the experiments come from first_exposures, restricted first to the touched users (a handful per
// second) so that the join's build side stays small; `inserted_at` has a minmax index, so the
// recent events are read without scanning old parts.
const TOUCHED = `SELECT user_id FROM events
  WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND type != 'exposure'`;

export const TOUCHED_EXPERIMENTS_SQL = `
SELECT f.experiment AS experiment, toUnixTimestamp64Milli(max(t.at)) AS last
FROM (SELECT experiment, user_id FROM first_exposures
      WHERE experiment IN {experiments:Array(String)} AND user_id IN (${TOUCHED})) AS f
INNER JOIN (SELECT user_id, max(inserted_at) AS at FROM events
            WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND type != 'exposure'
            GROUP BY user_id) AS t ON f.user_id = t.user_id
GROUP BY f.experiment`;

export const SERVER_NOW_SQL = "SELECT toUnixTimestamp64Milli(now64(3)) AS now";
