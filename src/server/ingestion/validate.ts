// Per-event validation and normalisation for the hot path: a hand-written check of the rules that
// schemas.ts documents, producing the events-table row directly. zod per event cost more than the
// rest of the request path together (README.md, "Hot path"), so this stays allocation-light.
import { wellFormed } from "@/server/schemas/text";
import { EVENT_TYPES, LIMITS, type EventRow, type EventType, type Rejection, type RejectionCode } from "./schemas";

const TYPES = new Set<string>(EVENT_TYPES);
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Answers whether an experiment exists and has a variant; see catalog.ts. */
export interface VariantCatalog {
  has(experiment: string, variant: string): "ok" | "unknown_experiment" | "unknown_variant";
}

export interface ValidationContext {
  /** when the request arrived (epoch ms): the default timestamp and received_at */
  receivedAt: number;
  catalog: VariantCatalog;
}

class Invalid {
  constructor(
    readonly code: RejectionCode,
    readonly message: string,
  ) {}
}

const fail = (code: RejectionCode, message: string) => new Invalid(code, message);

function boundedString(v: unknown, max: number): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= max;
}

const loneSurrogate = (code: RejectionCode, field: string) => fail(code, `${field} contains a lone UTF-16 surrogate (not valid Unicode text)`);

/**
 * The event time. A missing timestamp defaults to the receive time, except that a UUIDv7 id
 * carries its own creation time, which is used instead so a retried event lands in the same
 * partition and sort position as the first attempt (see README.md, "Exactly once").
 */
function eventTime(raw: unknown, id: string, ctx: ValidationContext): number | Invalid {
  let ms: number;
  if (raw === undefined || raw === null) {
    const v7 = UUID_V7.exec(id);
    const fromId = v7 ? parseInt(v7[1] + v7[2], 16) : NaN;
    ms = fromId >= LIMITS.minTimestampMs && fromId <= ctx.receivedAt + LIMITS.maxFutureMs ? fromId : ctx.receivedAt;
    return ms;
  }
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) return fail("invalid_timestamp", "timestamp must be ISO-8601 or epoch milliseconds");
    ms = Math.round(raw);
    if (ms < LIMITS.minTimestampMs) return fail("invalid_timestamp", "timestamp is before 2000-01-01T00:00:00Z: epoch seconds sent instead of milliseconds?");
  } else if (typeof raw === "string" && raw.length <= 40 && ISO_8601.test(raw)) {
    ms = Date.parse(raw);
    if (Number.isNaN(ms)) return fail("invalid_timestamp", `timestamp '${raw}' is not a valid date`);
    if (ms < LIMITS.minTimestampMs) return fail("invalid_timestamp", "timestamp is before 2000-01-01T00:00:00Z");
  } else {
    return fail("invalid_timestamp", "timestamp must be ISO-8601 (with a zone) or epoch milliseconds");
  }
  if (ms > ctx.receivedAt + LIMITS.maxFutureMs) return fail("timestamp_in_future", "timestamp is more than 5 minutes in the future");
  return ms;
}

function eventValue(type: EventType, raw: unknown): number | Invalid {
  if (raw !== undefined && raw !== null && (typeof raw !== "number" || !Number.isFinite(raw))) {
    return fail("invalid_value", "value must be a finite number");
  }
  const v = raw as number | undefined | null;
  switch (type) {
    case "page_load":
      if (v == null) return fail("invalid_value", "page_load needs a value (milliseconds)");
      if (v < 0) return fail("invalid_value", "page_load value must be >= 0 ms");
      return v;
    case "feedback":
      if (v == null) return fail("invalid_value", "feedback needs a value (integer 1-5)");
      if (!Number.isInteger(v) || v < 1 || v > 5) return fail("invalid_value", "feedback value must be an integer from 1 to 5");
      return v;
    case "metric":
      if (v == null) return fail("invalid_value", "metric needs a value");
      return v;
    case "exposure":
      return 1;
    default:
      return v ?? 1;
  }
}

function eventProperties(raw: unknown): string | Invalid {
  if (raw === undefined || raw === null) return "{}";
  if (typeof raw !== "object" || Array.isArray(raw)) return fail("invalid_properties", "properties must be a flat object");
  let n = 0;
  for (const key in raw) {
    if (!Object.prototype.hasOwnProperty.call(raw, key)) continue;
    if (++n > LIMITS.maxProperties) return fail("invalid_properties", `properties may hold at most ${LIMITS.maxProperties} entries`);
    if (key.length === 0 || key.length > LIMITS.maxPropertyKeyLength) return fail("invalid_properties", `property names must be 1-${LIMITS.maxPropertyKeyLength} characters`);
    if (!wellFormed(key)) return loneSurrogate("invalid_properties", `properties: a property name`);
    const v = (raw as Record<string, unknown>)[key];
    const t = typeof v;
    if (t === "string") {
      if ((v as string).length > LIMITS.maxPropertyValueLength) return fail("invalid_properties", `property '${key}' is longer than ${LIMITS.maxPropertyValueLength} characters`);
      if (!wellFormed(v as string)) return loneSurrogate("invalid_properties", `properties.${key}`);
    } else if (t === "number") {
      if (!Number.isFinite(v)) return fail("invalid_properties", `property '${key}' must be a finite number`);
    } else if (t !== "boolean") {
      return fail("invalid_properties", `property '${key}' must be a string, number or boolean (properties are flat)`);
    }
  }
  return n === 0 ? "{}" : JSON.stringify(raw);
}

function toRow(e: Record<string, unknown>, ctx: ValidationContext): EventRow | Invalid {
  const id = e.id;
  if (!boundedString(id, LIMITS.maxIdLength)) return fail("invalid_id", `id must be a string of 1-${LIMITS.maxIdLength} characters`);
  if (!wellFormed(id)) return loneSurrogate("invalid_id", "id");
  const type = e.type;
  if (typeof type !== "string" || !TYPES.has(type)) return fail("invalid_type", `type must be one of ${EVENT_TYPES.join(", ")}`);
  const user = e.userId ?? e.instanceId;
  if (!boundedString(user, LIMITS.maxUserIdLength)) return fail("invalid_user", `userId (or instanceId) must be a string of 1-${LIMITS.maxUserIdLength} characters`);
  if (!wellFormed(user)) return loneSurrogate("invalid_user", e.userId !== undefined && e.userId !== null ? "userId" : "instanceId");
  let name = "";
  if (typeof e.name === "string" && !wellFormed(e.name)) return loneSurrogate("invalid_name", "name");
  if (type === "metric") {
    if (!boundedString(e.name, LIMITS.maxNameLength)) return fail("invalid_name", `metric events need a name of 1-${LIMITS.maxNameLength} characters`);
    name = e.name;
  } else if (e.name !== undefined && e.name !== null) {
    if (!boundedString(e.name, LIMITS.maxNameLength)) return fail("invalid_name", `name must be a string of 1-${LIMITS.maxNameLength} characters`);
    name = e.name;
  }
  let experiment = "";
  let variant = "";
  if (type === "exposure") {
    if (!boundedString(e.experiment, LIMITS.maxKeyLength)) return fail("unknown_experiment", "exposure events need an experiment key");
    if (!boundedString(e.variant, LIMITS.maxKeyLength)) return fail("unknown_variant", "exposure events need a variant key");
    if (!wellFormed(e.experiment)) return loneSurrogate("unknown_experiment", "experiment");
    if (!wellFormed(e.variant)) return loneSurrogate("unknown_variant", "variant");
    experiment = e.experiment;
    variant = e.variant;
    const known = ctx.catalog.has(experiment, variant);
    if (known === "unknown_experiment") return fail(known, `experiment '${experiment}' does not exist`);
    if (known === "unknown_variant") return fail(known, `experiment '${experiment}' has no variant '${variant}'`);
  }
  const value = eventValue(type as EventType, e.value);
  if (value instanceof Invalid) return value;
  const properties = eventProperties(e.properties);
  if (properties instanceof Invalid) return properties;
  const timestamp = eventTime(e.timestamp, id, ctx);
  if (timestamp instanceof Invalid) return timestamp;
  return { id, type: type as EventType, name, user_id: user, experiment, variant, value, properties, timestamp, received_at: ctx.receivedAt };
}

/** Splits raw events into table rows and per-index rejections. */
export function validateEvents(events: readonly unknown[], ctx: ValidationContext): { rows: EventRow[]; rejected: Rejection[] } {
  const rows: EventRow[] = [];
  const rejected: Rejection[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (typeof e !== "object" || e === null || Array.isArray(e)) {
      rejected.push({ index: i, code: "invalid_event", message: "each event must be an object" });
      continue;
    }
    const r = toRow(e as Record<string, unknown>, ctx);
    if (r instanceof Invalid) rejected.push({ index: i, code: r.code, message: r.message });
    else rows.push(r);
  }
  return { rows, rejected };
}

/** Whether an exposure in the batch names an experiment/variant the catalog does not know (worth one refresh). */
export function hasUnknownExposure(events: readonly unknown[], catalog: VariantCatalog): boolean {
  for (const e of events) {
    if (typeof e !== "object" || e === null) continue;
    const { type, experiment, variant } = e as Record<string, unknown>;
    if (type === "exposure" && typeof experiment === "string" && typeof variant === "string" && catalog.has(experiment, variant) !== "ok") return true;
  }
  return false;
}
