import { env } from "@/core/env";
import { CSRF_COOKIE, SESSION_COOKIE } from "./tokens";

function cookie(name: string, value: string, expires: Date, httpOnly: boolean): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, "Path=/", "SameSite=Lax", `Expires=${expires.toUTCString()}`];
  if (httpOnly) parts.push("HttpOnly");
  if (env().VERDICT_SECURE_COOKIES) parts.push("Secure");
  return parts.join("; ");
}

/** The session cookie is httpOnly; the CSRF cookie is readable by the page, which echoes it in a header. */
export function sessionCookies(token: string, csrfToken: string, expires: Date): string[] {
  return [cookie(SESSION_COOKIE, token, expires, true), cookie(CSRF_COOKIE, csrfToken, expires, false)];
}

export function clearedSessionCookies(): string[] {
  return [cookie(SESSION_COOKIE, "", new Date(0), true), cookie(CSRF_COOKIE, "", new Date(0), false)];
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}
