// Resolves the caller of a request: an API key (Bearer header, or ?key= for sendBeacon on client
// routes) or a browser session cookie. Key look-ups are cached briefly: the assignment and event
// endpoints are hot paths and keys change rarely (revocation clears the cache in this process).
import { and, eq, gt, isNull } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { apiKeys, sessions, users } from "@/db/schema";
import { processSingleton } from "@/server/process-singleton";
import { readCookie } from "./cookies";
import type { Principal } from "./principal";
import { hashToken, SESSION_COOKIE } from "./tokens";

const KEY_CACHE_MS = 10_000;
const keyCache = processSingleton("apiKeyCache", () => new Map<string, { principal: Promise<Principal | null>; until: number }>());

export function clearKeyCache(): void {
  keyCache.clear();
}

// Single-flight: concurrent requests with the same key share one look-up instead of a stampede.
export function principalForKey(token: string): Promise<Principal | null> {
  const tokenHash = hashToken(token);
  const now = Date.now();
  const hit = keyCache.get(tokenHash);
  if (hit && hit.until > now) return hit.principal;
  if (keyCache.size > 10_000) keyCache.clear();
  const principal = lookupKey(tokenHash);
  keyCache.set(tokenHash, { principal, until: now + KEY_CACHE_MS });
  principal.catch(() => keyCache.delete(tokenHash));
  return principal;
}

async function lookupKey(tokenHash: string): Promise<Principal | null> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tokenHash, tokenHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ? { kind: row.kind === "client" ? "client_key" : "server_key", id: row.id, name: row.name, role: row.kind === "client" ? null : row.role } : null;
}

export async function principalForSession(token: string): Promise<Principal | null> {
  const db = await getDb();
  const [row] = await db
    .select({ id: users.id, username: users.username, role: users.role, csrfToken: sessions.csrfToken })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, new Date())))
    .limit(1);
  return row ? { kind: "user", id: row.id, name: row.username, role: row.role, csrfToken: row.csrfToken } : null;
}

export async function authenticate(req: Request, opts: { allowQueryKey: boolean }): Promise<Principal | null> {
  const auth = req.headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m ? principalForKey(m[1]) : null;
  }
  if (opts.allowQueryKey) {
    const key = new URL(req.url).searchParams.get("key");
    if (key) return principalForKey(key);
  }
  const session = readCookie(req, SESSION_COOKIE);
  return session ? principalForSession(session) : null;
}
