// Which running experiments have exposed users with KPI events stored since {since} (ms, server
// insertion time), and the latest such insertion per experiment. KPI events carry only the user, so
// the experiments come from the users' exposure events: `events` is ordered by (type, name, user_id),
// so `type = 'exposure' AND user_id IN (touched users)` reads only the granules of those users (cost
// grows with the users touched since the last look, not with the exposures stored; first_exposures,
// ordered by experiment first, would be read whole: ~10M user ids per look at 100 experiments x
// 100k users). `inserted_at` has a minmax index, so the recent events are found without scanning old parts.
const TOUCHED = `SELECT user_id FROM events
  WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND type != 'exposure'`;

export const TOUCHED_EXPERIMENTS_SQL = `
SELECT x.experiment AS experiment, toUnixTimestamp64Milli(max(t.at)) AS last
FROM (SELECT DISTINCT experiment, user_id FROM events
      WHERE type = 'exposure' AND user_id IN (${TOUCHED}) AND experiment IN {experiments:Array(String)}) AS x
INNER JOIN (SELECT user_id, max(inserted_at) AS at FROM events
            WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND type != 'exposure'
            GROUP BY user_id) AS t ON x.user_id = t.user_id
GROUP BY x.experiment`;

export const SERVER_NOW_SQL = "SELECT toUnixTimestamp64Milli(now64(3)) AS now";
