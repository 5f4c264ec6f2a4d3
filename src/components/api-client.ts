// Browser-side calls to Verdict's own API: same-origin session cookie, plus the CSRF header that every
// mutation must echo from the readable verdict_csrf cookie.
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly fieldErrors: FieldError[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function csrfToken(): string {
  const match = document.cookie.split("; ").find((c) => c.startsWith("verdict_csrf="));
  return match ? decodeURIComponent(match.slice("verdict_csrf=".length)) : "";
}

export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken();
  const res = await fetch(path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), credentials: "same-origin" });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = data?.error;
    const details = Array.isArray(err?.details) ? (err.details as FieldError[]).filter((d) => typeof d?.path === "string") : [];
    throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `Request failed (${res.status})`, details);
  }
  return data as T;
}

/** Field errors keyed by dotted path; "(root)" and unknown paths are kept so nothing is hidden. */
export function errorsByPath(errors: FieldError[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) (out[e.path] ??= []).push(e.message);
  return out;
}
