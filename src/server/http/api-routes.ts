// Which methods each API path answers, from the operations of the OpenAPI document (which a test
// keeps equal to the route files: test/route-permissions.test.ts and test/server-api-errors.test.ts).
// server.ts answers an unknown /api path (404 not_found) or a method the path does not take (405
// method_not_allowed, with Allow) in the JSON error shape before anything else runs, and without
// reading the body; under Next alone the catch-all route src/app/api/[...path] answers the 404s.
import { AppError } from "@/core/errors";
import type { Operation } from "@/server/openapi/registry";

export type ApiMatch = { status: "ok" } | { status: "error"; error: AppError };

interface Entry {
  pattern: RegExp;
  methods: Set<string>;
}

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, "\\$&");

export function allowHeader(methods: Iterable<string>): string {
  const set = new Set(methods);
  if (set.has("GET")) set.add("HEAD");
  set.add("OPTIONS"); // Next answers OPTIONS for every route file (204 with Allow)
  return [...set].sort().join(", ");
}

export const unknownRoute = (method: string, pathname: string) => new AppError("not_found", `No API route ${method} ${pathname}; see /api/v1/openapi.json`, { method, path: pathname });

export function apiRouteMatcher(ops: readonly Pick<Operation, "method" | "path">[]): (method: string, pathname: string) => ApiMatch {
  const byPath = new Map<string, Entry>();
  for (const op of ops) {
    const entry = byPath.get(op.path) ?? {
      pattern: new RegExp(
        `^${op.path
          .split(/\{\w+\}/)
          .map(escape)
          .join("[^/]+")}$`,
      ),
      methods: new Set<string>(),
    };
    entry.methods.add(op.method.toUpperCase());
    byPath.set(op.path, entry);
  }
  const entries = [...byPath.values()];
  return (method, pathname) => {
    // a trailing slash is Next's to redirect
    const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
    const entry = entries.find((e) => e.pattern.test(path));
    if (!entry) return { status: "error", error: unknownRoute(method, pathname) };
    if (entry.methods.has(method) || method === "OPTIONS" || (method === "HEAD" && entry.methods.has("GET"))) return { status: "ok" };
    const allow = allowHeader(entry.methods);
    return {
      status: "error",
      error: new AppError("method_not_allowed", `${pathname} does not take ${method}; it takes ${allow}`, { method, allow: allow.split(", ") }, { allow }),
    };
  };
}
