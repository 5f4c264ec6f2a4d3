// Enumerates every route handler under src/app/api and proves that none mutates anything without the
// right credentials: a handler without a declared guard fails, a mutation without credentials is 401,
// with too little role is 403, and the stores are byte-for-byte unchanged afterwards.
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { chQuery } from "@/db/clickhouse/client";
import { getDb } from "@/db/postgres";
import { SYSTEM, type Access } from "@/server/auth/principal";
import { createApiKey } from "@/server/keys/create";
import { createExperiment } from "@/server/experiments/create";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import type { RouteHandler } from "@/server/http/route";
import { registeredOperations } from "@/server/openapi/registry";
import "@/server/openapi/document";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const API_DIR = join(process.cwd(), "src/app/api");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
// Public mutations are deliberate and few.
const PUBLIC_MUTATIONS = new Set(["POST /api/auth/login"]);

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return routeFiles(path);
    // the catch-all of unknown /api paths answers only 404 (test/server-api-errors.test.ts)
    return name === "route.ts" && !path.includes("[...") ? [path] : [];
  });
}

function urlPath(file: string): string {
  const rel = relative(join(process.cwd(), "src/app"), file).split(sep).slice(0, -1).join("/");
  return `/${rel}`.replace(/\[(\w+)\]/g, "{$1}");
}

interface Found {
  method: string;
  path: string;
  handler: RouteHandler;
}

const keys: Record<string, string> = {};
let found: Found[] = [];
let experimentKey = "";
let apiKeyId = "";

async function storeFingerprint(): Promise<string> {
  const db = await getDb();
  const tables = ["users", "api_keys", "sessions", "experiments", "audit_log", "decisions", "webhooks", "webhook_deliveries", "drills"];
  const counts: string[] = [];
  for (const t of tables) {
    // last_used_at is usage bookkeeping (written on any authenticated request), not a change a mutation made
    const res = (await db.execute(
      sql.raw(`select md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, ',' order by (to_jsonb(x) - 'last_used_at')::text), '')) as h from ${t} x`),
    )) as unknown as { rows: { h: string }[] } | { h: string }[];
    counts.push(`${t}:${(Array.isArray(res) ? res : res.rows)[0].h}`);
  }
  const [events] = await chQuery<{ c: number }>("SELECT count() AS c FROM events");
  return `${counts.join("|")}|events:${events.c}`;
}

beforeAll(async () => {
  await setupStores();
  for (const role of ["viewer", "release_manager"] as const) {
    keys[role] = (await createApiKey({ actor: SYSTEM, input: { name: `test ${role}`, kind: "server", role } })).token;
  }
  const exp = await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key: "perm-check", name: "Permission check", strategy: "canary" }) });
  experimentKey = exp.key;
  apiKeyId = (await createApiKey({ actor: SYSTEM, input: { name: "victim", kind: "client" } })).id;
  for (const file of routeFiles(API_DIR)) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const method of METHODS) {
      if (typeof mod[method] === "function") found.push({ method, path: urlPath(file), handler: mod[method] as RouteHandler });
    }
  }
  found = found.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
});

function params(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name] of path.matchAll(/\{(\w+)\}/g)) out[name] = name === "key" ? experimentKey : name === "id" ? apiKeyId : "x";
  return out;
}

const lowerRoles: Record<Access, (string | null)[]> = {
  public: [],
  // viewers are read-only: no events, no assignments (which log exposures)
  client: ["viewer"],
  viewer: ["client"],
  release_manager: ["client", "viewer"],
  admin: ["client", "viewer", "release_manager"],
};

describe("route permissions", () => {
  it("finds the API's route handlers", () => {
    expect(found.length).toBeGreaterThan(10);
  });

  it("every handler declares who may call it, and the OpenAPI document lists it with the same access", () => {
    const ops = registeredOperations();
    for (const r of found) {
      expect(r.handler.access, `${r.method} ${r.path} has no declared access: build it with route()`).toBeDefined();
      const op = ops.find((o) => o.method === r.method.toLowerCase() && o.path === r.path);
      expect(op, `${r.method} ${r.path} is missing from src/server/openapi/operations.ts`).toBeDefined();
      expect(op?.access, `${r.method} ${r.path}`).toBe(r.handler.access);
    }
  });

  it("no mutation succeeds without credentials or with too little role, and nothing changes", async () => {
    const before = await storeFingerprint();
    for (const r of found.filter((f) => MUTATING.has(f.method))) {
      const id = `${r.method} ${r.path}`;
      if (r.handler.access === "public") {
        expect(PUBLIC_MUTATIONS.has(id), `${id} is a public mutation; add it to PUBLIC_MUTATIONS only if deliberate`).toBe(true);
        continue;
      }
      const body = { events: [{ id: "perm", type: "engagement", userId: "u1" }], userId: "u1", reason: "x", name: "x", kind: "client" };
      const anonymous = await call(r.handler, { method: r.method, path: r.path.replace(/\{\w+\}/g, "x"), token: null, body, params: params(r.path) });
      expect(anonymous.status, `${id} without credentials`).toBe(401);
      expect(anonymous.body.error.code).toBe("unauthorized");
      const wrong = await call(r.handler, { method: r.method, path: "/", token: "vd_srv_not_a_real_key_000000000000", body, params: params(r.path) });
      expect(wrong.status, `${id} with a wrong key`).toBe(401);
      for (const role of lowerRoles[r.handler.access]) {
        const token = role === "client" ? TEST_CLIENT_KEY : keys[role as string];
        const res = await call(r.handler, { method: r.method, path: "/", token, body, params: params(r.path) });
        expect(res.status, `${id} as ${role}`).toBe(403);
        expect(res.body.error.code).toBe("forbidden");
      }
    }
    expect(await storeFingerprint()).toBe(before);
  });

  it("reads need credentials too, except the public ones", async () => {
    for (const r of found.filter((f) => f.method === "GET" && f.handler.access !== "public")) {
      const res = await call(r.handler, { method: "GET", path: "/", token: null, params: params(r.path) });
      expect(res.status, `GET ${r.path}`).toBe(401);
    }
  });
});
