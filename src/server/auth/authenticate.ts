// Resolves the caller of a request: an API key (Bearer header, or ?key= for sendBeacon on client
// routes) or a browser session cookie. Key look-ups are cached briefly: the assignment and event
// endpoints are hot paths and keys change rarely. Any change to a key clears the cache of every
// instance at once (invalidation.ts); sessions are looked up on every request, so disabling a user
// or changing their role applies to their very next request.
import { and, eq, gt, isNull } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { apiKeys, sessions, users } from "@/db/schema";
import { AppError } from "@/core/errors";
import { processSingleton } from "@/core/process-singleton";
import { readCookie } from "./cookies";
import { authCacheAllowed, ensureAuthListener, onAuthChanged } from "./invalidation";
import { noteKeyUse } from "./key-usage";
import type { Principal } from "./principal";
import { CSRF_HEADER, csrfMatches, hashToken, SESSION_COOKIE } from "./tokens";

const KEY_CACHE_MS = 10_000;
const keyCache = processSingleton("apiKeyCache", () => new Map<string, { principal: Promise<Principal | null>; until: number }>());
onAuthChanged(clearKeyCache);

export function clearKeyCache(): void {
  keyCache.clear();
}

// Single-flight: concurrent requests with the same key share one look-up instead of a stampede.
export function principalForKey(token: string): Promise<Principal | null> {
  void ensureAuthListener();
  const tokenHash = hashToken(token);
  const now = Date.now();
  const hit = keyCache.get(tokenHash);
  if (hit && hit.until > now) return hit.principal.then(used);
  const principal = lookupKey(tokenHash).then(used);
  // not listening (yet, or the connection dropped): a revocation could go unheard, so no caching
  if (!authCacheAllowed()) return principal;
  if (keyCache.size > 10_000) keyCache.clear();
  keyCache.set(tokenHash, { principal, until: now + KEY_CACHE_MS });
  principal.catch(() => keyCache.delete(tokenHash));
  return principal;
}

function used(p: Principal | null): Principal | null {
  if (p) noteKeyUse(p.id);
  return p;
}

async function lookupKey(tokenHash: string): Promise<Principal | null> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tokenHash, tokenHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  return { kind: row.kind === "client" ? "client_key" : "server_key", id: row.id, name: row.name, role: row.kind === "client" ? null : row.role, rateLimit: row.rateLimit };
}

export async function principalForSession(token: string): Promise<Principal | null> {
  const db = await getDb();
  const [row] = await db
    .select({ id: users.id, username: users.username, role: users.role, csrfToken: sessions.csrfToken })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, new Date()), isNull(users.disabledAt)))
    .limit(1);
  return row ? { kind: "user", id: row.id, name: row.username, role: row.role, csrfToken: row.csrfToken, rateLimit: null } : null;
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

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
  const principal = session ? await principalForSession(session) : null;
  // Checked here, in constant time, before route() compares the header with `!==` (which then only
  // ever compares equal strings): a session cookie without its CSRF token is no credential for a change.
  if (principal && MUTATING.has(req.method) && !csrfMatches(principal.csrfToken, req.headers.get(CSRF_HEADER))) {
    throw new AppError("csrf_failed", `Browser requests that change data must send the ${CSRF_HEADER} header from the verdict_csrf cookie`);
  }
  return principal;
}
