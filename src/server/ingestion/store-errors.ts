// Which insert failures are about the rows themselves (split the batch, dead-letter the bad rows)
// and which are about the store (keep the batch, retry with backoff). Unknown errors count as the
// store's: retrying a good batch costs time, dead-lettering one would lose it, so only codes that
// name a problem with the input split a batch.

/**
 * ClickHouse error codes that describe the inserted data (src/Common/ErrorCodes.cpp): parse
 * failures, type and range errors. 252 (TOO_MANY_PARTS) is both "too many partitions in one
 * insert block" (the rows' doing) and "too many parts, merges are behind" (the store's): only the
 * former counts, by its message.
 */
const DATA_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE (a lone UTF-16 surrogate in a JSON string)
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
]);

/** The ClickHouse error code of a failure: `code` of @clickhouse/client's ClickHouseError, or "Code: N." in chDB's message. */
export function clickhouseCode(e: unknown): number | null {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string" && /^\d+$/.test(code)) return Number(code);
  const m = /Code: (\d+)\./.exec((e as Error)?.message ?? "");
  return m ? Number(m[1]) : null;
}

/** Whether the store refused the insert because of what some rows contain. */
export function isDataError(e: unknown): boolean {
  const code = clickhouseCode(e);
  if (code === null) return false;
  const message = (e as Error)?.message ?? "";
  if (code === 252) return /too many partitions for single insert block/i.test(message);
  return DATA_CODES.has(code);
}

/** A short description without the store's message, which can quote event data (public health). */
export function describeFailure(e: unknown): string {
  const code = clickhouseCode(e);
  if (code !== null) return isDataError(e) ? `rows refused by the event store (ClickHouse code ${code})` : `event store error (ClickHouse code ${code})`;
  const errno = (e as { code?: unknown })?.code;
  if (errno === "ENOSPC" || errno === "EDQUOT" || errno === "EFBIG") return `spool disk full (${errno})`;
  if (typeof errno === "string" && /^E[A-Z]+$/.test(errno)) return `event store unavailable (${errno})`;
  if (typeof errno === "string" && /^[a-z_]+$/.test(errno)) return errno; // an AppError code (spool_full, ...)
  return "event store error";
}
