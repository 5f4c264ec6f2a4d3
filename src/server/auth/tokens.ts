import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "verdict_session";
export const CSRF_COOKIE = "verdict_csrf";
export const CSRF_HEADER = "x-csrf-token";

/** 32 random bytes, base64url; prefixed so a leaked key is recognisable (and greppable by scanners). */
export function newToken(prefix: "vd_srv" | "vd_cli" | "vd_ses"): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function displayPrefix(token: string): string {
  return token.slice(0, 12);
}

/**
 * Constant-time: both sides are hashed first, so the comparison is over equal-length buffers and
 * its time says nothing about how much of a guessed token was right.
 */
export function csrfMatches(expected: string | undefined, given: string | null): boolean {
  if (!expected || given === null) return false;
  return timingSafeEqual(createHash("sha256").update(expected).digest(), createHash("sha256").update(given).digest());
}
