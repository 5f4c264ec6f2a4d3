// The one place that turns errors into HTTP responses: { error: { code, message, details } }.
import { z } from "zod";
import { AppError, isAppError } from "@/server/errors";

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

export function zodDetails(error: z.ZodError): { path: string; message: string; code: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message, code: i.code }));
}

export function validationError(error: z.ZodError, what: string): AppError {
  const details = zodDetails(error);
  const fields = [...new Set(details.map((d) => d.path))].join(", ");
  return new AppError("validation_failed", `Invalid ${what}: ${fields}`, details);
}

export function errorResponse(err: unknown): Response {
  if (isAppError(err)) {
    return json({ error: { code: err.code, message: err.message, details: err.details ?? null } }, err.status, err.headers);
  }
  if (err instanceof z.ZodError) return errorResponse(validationError(err, "input"));
  console.error("[verdict] unhandled error:", err);
  return json({ error: { code: "internal", message: "Internal error; see the server log", details: null } }, 500);
}
