// The shape of POST /api/v1/events. The zod schemas document the API (OpenAPI) and describe the
// envelope; the hot path validates events with the hand-written validator in validate.ts, which
// enforces exactly these rules without zod's per-event allocation cost (see README.md, "Hot path").
import { z } from "zod";

export const EVENT_TYPES = ["exposure", "page_load", "request", "error", "engagement", "feedback", "metric"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const LIMITS = {
  /** events per request (413 beyond) */
  maxEvents: 1000,
  /** request body bytes as sent (413 beyond) */
  maxBodyBytes: 1024 * 1024,
  /** a gzip body may not inflate beyond this (413): bounds memory against gzip bombs */
  maxInflatedBytes: 8 * 1024 * 1024,
  maxIdLength: 128,
  maxUserIdLength: 256,
  maxNameLength: 128,
  maxKeyLength: 128,
  maxProperties: 32,
  maxPropertyKeyLength: 64,
  maxPropertyValueLength: 512,
  /** timestamps further ahead than this are refused (clock skew allowance) */
  maxFutureMs: 5 * 60 * 1000,
  /**
   * The window's start, for ISO and epoch alike: epoch-ms values before it are almost certainly
   * seconds sent as ms, and it bounds the months an insert can span (events are partitioned by month).
   */
  minTimestampMs: Date.UTC(2000, 0, 1),
} as const;

/** Strings must be well-formed UTF-16 (no lone surrogate such as "\ud800"): the store refuses them. */
const text = () => z.string().refine((s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed(), "contains a lone UTF-16 surrogate");

const PropertyValue = z.union([text().max(LIMITS.maxPropertyValueLength), z.number(), z.boolean()]);

export const IngestEventSchema = z
  .object({
    id: text().min(1).max(LIMITS.maxIdLength).describe("Idempotency key: a retried event must carry the same id (and timestamp)"),
    type: z.enum(EVENT_TYPES),
    userId: text().min(1).max(LIMITS.maxUserIdLength).optional().describe("Randomisation unit; required unless instanceId is given"),
    instanceId: text().min(1).max(LIMITS.maxUserIdLength).optional().describe("Stands in for userId in rolling deploys"),
    name: text().min(1).max(LIMITS.maxNameLength).optional().describe("Required for type 'metric'"),
    experiment: text().min(1).max(LIMITS.maxKeyLength).optional().describe("Required for 'exposure'; must exist"),
    variant: text().min(1).max(LIMITS.maxKeyLength).optional().describe("Required for 'exposure'; must be a variant of the experiment"),
    value: z.number().optional().describe("page_load: ms >= 0 (required); feedback: integer 1-5 (required); metric: required; engagement/error/request: default 1"),
    properties: z.record(text().max(LIMITS.maxPropertyKeyLength), PropertyValue).optional().describe(`Flat map, at most ${LIMITS.maxProperties} entries`),
    timestamp: z
      .union([z.iso.datetime({ offset: true }), z.number().int()])
      .optional()
      .describe("ISO-8601 with a zone, or epoch ms; from 2000-01-01T00:00:00Z to 5 minutes after the time received (both forms); default: the time received (or a UUIDv7 id's time)"),
  })
  .describe(
    "One exposure or KPI event. Every string must be well-formed Unicode (no lone UTF-16 surrogate). An invalid event is reported in `rejected` by index, with the field named in its message; the others are kept.",
  );

export const IngestEnvelopeSchema = z.object({ events: z.array(IngestEventSchema).max(LIMITS.maxEvents) });

export const IngestResultSchema = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
});

export type IngestEvent = z.input<typeof IngestEventSchema>;

export interface Rejection {
  index: number;
  code: RejectionCode;
  message: string;
}

export type RejectionCode =
  | "invalid_event"
  | "invalid_id"
  | "invalid_type"
  | "invalid_user"
  | "invalid_name"
  | "invalid_value"
  | "invalid_properties"
  | "invalid_timestamp"
  | "timestamp_in_future"
  | "unknown_experiment"
  | "unknown_variant";

export interface IngestResult {
  accepted: number;
  rejected: Rejection[];
}

/**
 * One row of the events table, in the column order of migration 0001. Timestamps are epoch ms
 * (DateTime64(3) reads an integer as milliseconds); properties are the JSON text of the flat map.
 */
export interface EventRow {
  id: string;
  type: EventType;
  name: string;
  user_id: string;
  experiment: string;
  variant: string;
  value: number;
  properties: string;
  timestamp: number;
  received_at: number;
}
