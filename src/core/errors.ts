// Errors carry a typed code; src/server/http/respond.ts is the one place that maps them to HTTP.
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  invalid_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  store_unavailable: 503,
  spool_full: 503,
  overloaded: 503,
  too_many_streams: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

// Marks an AppError across module copies: server.ts runs outside Next's bundle, which has its own
// copy of this module, and its errors must still map to their status, not to 500. A brand for
// isAppError(), not process state, so it is not a processSingleton() (and is the lint rule's one
// allowed Symbol.for outside process-singleton.ts).
const APP_ERROR = Symbol.for("verdict.AppError");

export class AppError extends Error {
  readonly [APP_ERROR] = true;
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: unknown, headers?: Record<string, string>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string, key: string) => new AppError("not_found", `${what} '${key}' does not exist`, { key });

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError || (typeof e === "object" && e !== null && (e as { [APP_ERROR]?: boolean })[APP_ERROR] === true);
}
