// Every API operation is registered here with the zod schemas that validate it, so the OpenAPI
// document cannot drift from what the handlers accept. A test checks each route file is covered.
import { z } from "zod";
import type { Access } from "@/server/auth/principal";
import { RuleSchema } from "@/server/experiments/schemas";

export interface Operation {
  method: "get" | "post" | "patch" | "put" | "delete";
  path: string;
  summary: string;
  access: Access;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** status → description (JSON body shape is described in prose; responses are not zod-validated) */
  responses?: Record<number, string>;
}

const operations: Operation[] = [];

export function registerOperations(...ops: Operation[]): void {
  for (const op of ops) {
    if (!operations.some((o) => o.method === op.method && o.path === op.path)) operations.push(op);
  }
}

export function registeredOperations(): readonly Operation[] {
  return operations;
}

const ERROR_SCHEMA = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
      required: ["code", "message", "details"],
    },
  },
};

type Json = Record<string, unknown>;

const SCHEMAS = "#/components/schemas/";
/** Schemas emitted once under components.schemas and referenced by $ref; every other schema is inlined. */
const COMPONENTS: Record<string, z.ZodType> = { TargetingRule: RuleSchema };

/**
 * Converts every schema of the document in ONE zod conversion over a registry, so that recursive
 * and shared schemas become components with $refs that resolve in this document. Converting each
 * schema on its own (as before) left zod's per-conversion `definitions` inside request bodies, with
 * `$ref: "#/definitions/__schema0"` pointing at the document's root, where nothing is (and
 * `definitions` is no OpenAPI 3.0 keyword). Operation schemas get throwaway ids in the registry and
 * are inlined back; a recursive schema without a name is hoisted under its zod name.
 */
function convertSchemas(all: z.ZodType[]) {
  const registry = z.registry<{ id: string }>();
  for (const [id, s] of Object.entries(COMPONENTS)) registry.add(s, { id });
  const local = new Map<z.ZodType, string>();
  for (const s of all) {
    if (registry.has(s) || local.has(s)) continue;
    const id = `__inline${local.size}`;
    local.set(s, id);
    registry.add(s, { id });
  }
  const { schemas } = z.toJSONSchema(registry, { target: "openapi-3.0", io: "input", unrepresentable: "any", uri: (id) => SCHEMAS + id }) as { schemas: Record<string, Json> };
  const shared = ((schemas.__shared as Json | undefined)?.definitions ?? {}) as Record<string, Json>;
  const inlined = new Set(local.values());
  const resolve = (v: unknown, stack: string[]): unknown => {
    if (Array.isArray(v)) return v.map((x) => resolve(x, stack));
    if (v === null || typeof v !== "object") return v;
    const o = v as Json;
    if (typeof o.$ref === "string") {
      const ref = o.$ref.replace(`${SCHEMAS}__shared#/definitions/`, SCHEMAS);
      const id = ref.slice(SCHEMAS.length);
      if (!inlined.has(id)) return { ...o, $ref: ref };
      if (stack.includes(id)) throw new Error(`OpenAPI: schema ${id} is recursive; name it in COMPONENTS`);
      return resolve(schemas[id], [...stack, id]);
    }
    const out: Json = {};
    for (const [k, x] of Object.entries(o)) if (k !== "$id") out[k] = resolve(x, stack);
    // zod wraps a referenced schema that has siblings (nullable, default) in a one-entry allOf;
    // once the reference is inlined, the plain schema reads as before
    const only = Array.isArray(o.allOf) && o.allOf.length === 1 ? (o.allOf[0] as Json) : undefined;
    if (only && typeof only.$ref === "string" && inlined.has(only.$ref.slice(SCHEMAS.length))) {
      const { allOf, ...rest } = out;
      const target = (allOf as Json[])[0];
      if (Object.keys(rest).every((k) => !(k in target))) return { ...target, ...rest };
    }
    return out;
  };
  const components: Record<string, unknown> = {};
  for (const id of Object.keys(COMPONENTS)) components[id] = resolve(schemas[id], []);
  for (const [name, def] of Object.entries(shared)) components[name] = resolve(def, []);
  const schemaOf = (s: z.ZodType): unknown => {
    const named = Object.entries(COMPONENTS).find(([, c]) => c === s);
    return named ? { $ref: SCHEMAS + named[0] } : resolve(schemas[local.get(s)!], []);
  };
  return { schemaOf, components };
}

export function buildDocument(version: string) {
  const fields = (o: z.ZodObject | undefined) => Object.entries(o?.shape ?? {}) as [string, z.ZodType][];
  const { schemaOf, components } = convertSchemas(operations.flatMap((op) => [...fields(op.params).map(([, s]) => s), ...fields(op.query).map(([, s]) => s), ...(op.body ? [op.body] : [])]));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...fields(op.params).map(([name, s]) => ({ name, in: "path", required: true, schema: schemaOf(s) })),
      ...fields(op.query).map(([name, s]) => ({ name, in: "query", required: !s.safeParse(undefined).success, schema: schemaOf(s) })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(op.responses ?? { 200: "OK" })) responses[status] = { description };
    for (const [status, description] of [
      [400, "Invalid input: every bad field is listed in details"],
      [401, "Missing or invalid credentials"],
      [403, "Role too low"],
    ] as const) {
      if (op.access === "public" && status !== 400) continue;
      responses[status] ??= { description, content: { "application/json": { schema: ERROR_SCHEMA } } };
    }
    // every body is capped per route and a JSON body must be sent as application/json (src/server/http/body.ts)
    if (op.body || op.method !== "get") {
      responses[413] ??= { description: "Body over this route's limit", content: { "application/json": { schema: ERROR_SCHEMA } } };
    }
    if (op.body) responses[415] ??= { description: "Body not sent as application/json", content: { "application/json": { schema: ERROR_SCHEMA } } };
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      tags: [op.tag],
      "x-verdict-access": op.access,
      security: op.access === "public" ? [] : [{ bearer: [] }, { session: [] }],
      parameters,
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(op.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Verdict API",
      version,
      description:
        "Experiments, assignment, KPI ingestion, results and release decisions. Every error answers { error: { code, message, details } }; " +
        "a path not listed here answers 404 not_found, a method a path does not list 405 method_not_allowed with an Allow header, " +
        "a request that does not arrive within the server's request timeout 408 request_timeout.",
    },
    servers: [{ url: "/" }],
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API key: server keys (with a role) or client keys (assign, SDK config, events)" },
        session: { type: "apiKey", in: "cookie", name: "verdict_session" },
      },
    },
    paths,
  };
}
