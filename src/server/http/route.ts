// Every API route handler is built with route(): it declares who may call it, parses its inputs with
// zod and maps errors in one place. The declared access is attached to the handler so a test can
// enumerate every route and prove none mutates anything without the right credentials.
import { z } from "zod";
import { authenticate } from "@/server/auth/authenticate";
import { allows, ANONYMOUS, type Access, type Principal } from "@/server/auth/principal";
import { CSRF_HEADER } from "@/server/auth/tokens";
import { AppError } from "@/core/errors";
import { BODY_LIMITS, readJsonBody, requireJsonBody } from "./body";
import { plainError, plainJson, toResponse, validationError, type PlainResponse } from "./respond";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteSpec<P, B, Q> {
  access: Access;
  params?: P;
  body?: B;
  query?: Q;
  /** ?key= is accepted (client routes called by navigator.sendBeacon, which cannot set headers) */
  allowQueryKey?: boolean;
  /** the most body this route reads (413 beyond); by default BODY_LIMITS of its access (body.ts) */
  maxBodyBytes?: number;
}

export interface RouteContext<P, B, Q> {
  req: Request;
  /** ANONYMOUS on public routes */
  principal: Principal;
  params: Parsed<P>;
  body: Parsed<B>;
  query: Parsed<Q>;
}

type RouteParams = { params: Promise<Record<string, string | string[]>> };

export type RouteHandler = ((req: Request, ctx: RouteParams) => Promise<Response>) & {
  access: Access;
  /**
   * The same handler without building a web Response for JSON answers (server.ts writes them to
   * node:http itself: a Response per request costs more than a fast handler's own work).
   */
  direct: (req: Request, ctx: RouteParams) => Promise<PlainResponse | Response>;
  /** the most body it reads; server.ts's direct path reads no more from the socket */
  maxBodyBytes: number;
};

export function route<P extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, B, Q>,
  handler: (ctx: RouteContext<P, B, Q>) => Promise<unknown>,
): RouteHandler;
export function route(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>, handler: (ctx: RouteContext<z.ZodType, z.ZodType, z.ZodType>) => Promise<unknown>): RouteHandler {
  const maxBodyBytes = spec.maxBodyBytes ?? BODY_LIMITS[spec.access];
  const direct = async (req: Request, ctx: RouteParams): Promise<PlainResponse | Response> => {
    try {
      // from the headers alone: nothing of the body is read for a caller who may not call this
      const principal = await authorize(req, spec);
      if (spec.body) requireJsonBody(req);
      const params = spec.params ? parse(spec.params, await ctx.params, "path parameters") : undefined;
      const query = spec.query ? parse(spec.query, Object.fromEntries(new URL(req.url).searchParams), "query parameters") : undefined;
      const body = spec.body ? parse(spec.body, await readJsonBody(req, maxBodyBytes), "request body") : undefined;
      const result = await handler({ req, principal, params, body, query });
      return result instanceof Response ? result : plainJson(result);
    } catch (err) {
      return plainError(err);
    }
  };
  const fn = async (req: Request, ctx: RouteParams) => {
    const out = await direct(req, ctx);
    return out instanceof Response ? out : toResponse(out);
  };
  return Object.assign(fn, { access: spec.access, direct, maxBodyBytes });
}

async function authorize(req: Request, spec: RouteSpec<unknown, unknown, unknown>): Promise<Principal> {
  if (spec.access === "public") return ANONYMOUS;
  const principal = await authenticate(req, { allowQueryKey: spec.allowQueryKey ?? false });
  if (!principal) {
    throw new AppError("unauthorized", "Missing or invalid credentials: send 'Authorization: Bearer <API key>' or sign in", null, {
      "www-authenticate": 'Bearer realm="verdict"',
    });
  }
  if (!allows(principal, spec.access)) {
    throw new AppError("forbidden", `This call needs the '${spec.access}' role; ${describe(principal)} has ${principal.role ? `'${principal.role}'` : "no management role"}`, {
      required: spec.access,
      role: principal.role,
    });
  }
  if (principal.kind === "user" && MUTATING.has(req.method) && req.headers.get(CSRF_HEADER) !== principal.csrfToken) {
    throw new AppError("csrf_failed", `Browser requests that change data must send the ${CSRF_HEADER} header from the verdict_csrf cookie`);
  }
  return principal;
}

function describe(p: Principal): string {
  return p.kind === "user" ? `user '${p.name}'` : p.kind === "client_key" ? "a client key" : `key '${p.name}'`;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, what);
  return r.data;
}
