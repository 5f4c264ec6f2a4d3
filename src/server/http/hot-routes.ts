// The two endpoints that client apps call at high rates (assignment and event ingestion) are also
// served without Next.js's request pipeline. Measured on the 2-core machine, an EMPTY App Router
// route handler under `next start` answers only ~600–800 requests/s: Next's per-request work
// (routing, tracing spans, web-stream adaptation) costs more than our handlers themselves.
//
// A handler is registered here when its module is loaded (client-endpoints.ts, which
// instrumentation-node.ts loads at start and the route files re-export); the production server
// (server.ts) then hands matching requests straight to that same handler, a plain
// (Request) => Response function built by route(): same authentication, parsing, errors and
// OpenAPI entry. A path not registered (yet) simply goes through Next.
import { processSingleton } from "@/core/process-singleton";
import type { RouteHandler } from "./route";

export type HotRoutes = Map<string, RouteHandler>;

// Both are process singletons (globalThis): server.ts imports this module outside Next's bundle and
// must see what the bundled route files registered.

/** `${method} ${pathname}` → handler. */
export function hotRoutes(): HotRoutes {
  return processSingleton<HotRoutes>("hotRoutes", () => new Map());
}

/** Requests served directly, by `${method} ${pathname}`; server.ts counts them here (/api/metrics). */
export function hotRouteRequests(): Record<string, number> {
  return processSingleton<Record<string, number>>("hotRouteRequests", () => ({}));
}

/**
 * Routes whose answer is a long-lived stream (server-sent events): server.ts pipes their Response
 * instead of buffering it, and no body deadline applies. The header timeout still does (server.ts).
 */
export function hotStreams(): Set<string> {
  return processSingleton<Set<string>>("hotStreams", () => new Set());
}

export function hotRoute(method: "GET" | "POST", pathname: string, handler: RouteHandler, opts: { stream?: boolean } = {}): RouteHandler {
  hotRoutes().set(`${method} ${pathname}`, handler);
  if (opts.stream) hotStreams().add(`${method} ${pathname}`);
  return handler;
}
