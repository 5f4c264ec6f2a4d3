// How analysis reads events so that each event id counts once, before and after merges.
//
// A retried event (same id) carries the same type, name, user and timestamp, so its copies share
// the partition (month of `timestamp`) and the whole sort key (type, name, user_id, id) of the
// events table; FINAL then collapses them at read time, exactly, whether or not the background
// merge has run. The SDK always sends timestamps; the endpoint derives a missing one from a UUIDv7
// id, and otherwise uses the receive time, so a hand-written client that retries without a
// timestamp and without UUIDv7 ids could straddle a month boundary: use LIMIT 1 BY id
// (EVENTS_ONCE_BY_ID) where that matters more than speed.

/** Columns analysis reads from the events table. */
export const EVENT_COLUMNS = "id, type, name, user_id, experiment, variant, value, properties, timestamp";

/**
 * A subquery over events with each id once (FINAL). `where` is SQL over event columns using only
 * {name:Type} parameters, e.g. "type = {type:String} AND timestamp >= {from:DateTime64(3)}".
 */
export function eventsOnce(where = "1"): string {
  return `(SELECT ${EVENT_COLUMNS} FROM events FINAL WHERE ${where})`;
}

/** Same, deduplicating by id alone (slower: holds the ids in memory), immune to moved timestamps. */
export function eventsOnceById(where = "1"): string {
  return `(SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY id, received_at LIMIT 1 BY id)`;
}
