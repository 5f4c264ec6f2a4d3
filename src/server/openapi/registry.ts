// Every API operation is registered here with the zod schemas that validate it, so the OpenAPI
// document cannot drift from what the handlers accept. A test checks each route file is covered.
import { z } from "zod";
import type { Access } from "@/server/auth/principal";

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

function schema(s: z.ZodType, io: "input" | "output" = "input") {
  return z.toJSONSchema(s, { target: "openapi-3.0", io, unrepresentable: "any" });
}

export function buildDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...Object.entries(op.params?.shape ?? {}).map(([name, s]) => ({ name, in: "path", required: true, schema: schema(s as z.ZodType) })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, s]) => ({ name, in: "query", required: !(s as z.ZodType).safeParse(undefined).success, schema: schema(s as z.ZodType) })),
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
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: schema(op.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.0.3",
    info: { title: "Verdict API", version, description:
        "Experiments, assignment, KPI ingestion, results and release decisions. Every error answers { error: { code, message, details } }; " +
        "a path not listed here answers 404 not_found, a method a path does not list 405 method_not_allowed with an Allow header, " +
        "a request that does not arrive within the server's request timeout 408 request_timeout.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API key: server keys (with a role) or client keys (assign, SDK config, events)" },
        session: { type: "apiKey", in: "cookie", name: "verdict_session" },
      },
    },
    paths,
  };
}
