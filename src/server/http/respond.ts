// The one place that turns errors into HTTP responses: { error: { code, message, details } }.
import { z } from "zod";
import { issueDetails, summarizeDetails, type Detail } from "./messages";
import { AppError, isAppError } from "@/core/errors";

/** A JSON answer before it becomes a web Response (server.ts writes it to node:http directly). */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function plainJson(data: unknown, status = 200, headers: Record<string, string> = {}): PlainResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: JSON.stringify(data) };
}

export function toResponse(p: PlainResponse): Response {
  return new Response(p.body, { status: p.status, headers: p.headers });
}

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return toResponse(plainJson(data, status, headers));
}

export function zodDetails(error: z.ZodError): Detail[] {
  return issueDetails(error.issues);
}

export function validationError(error: z.ZodError, what: string): AppError {
  const details = zodDetails(error);
  return new AppError("validation_failed", `Invalid ${what}: ${summarizeDetails(details)}`, details);
}

export function plainError(err: unknown): PlainResponse {
  if (isAppError(err)) {
    return plainJson({ error: { code: err.code, message: err.message, details: err.details ?? null } }, err.status, err.headers);
  }
  if (err instanceof z.ZodError) return plainError(validationError(err, "input"));
  console.error("[verdict] unhandled error:", err);
  return plainJson({ error: { code: "internal", message: "Internal error; see the server log", details: null } }, 500);
}

export function errorResponse(err: unknown): Response {
  return toResponse(plainError(err));
}
