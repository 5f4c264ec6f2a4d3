/* eslint-disable @typescript-eslint/no-explicit-any -- test responses are asserted field by field */
// Calls route handlers in-process against the real stores of this test file's data directory.
import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { experiments } from "@/db/schema";
import { boot } from "@/server/boot";
import type { RouteHandler } from "@/server/http/route";
import { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY } from "./credentials";

export { TEST_ADMIN_TOKEN, TEST_CLIENT_KEY };

export async function setupStores(): Promise<void> {
  await boot({ background: false });
}

/**
 * Fixes an experiment's salt before it starts (a new experiment gets a random one), so its
 * assignment, and a test's seeded data on top of it, is the same in every run.
 */
export async function fixSalt(key: string, salt: string): Promise<void> {
  await (await getDb()).update(experiments).set({ salt }).where(eq(experiments.key, key));
}

export interface CallOptions {
  method?: string;
  path?: string;
  token?: string | null;
  body?: unknown;
  rawBody?: BodyInit;
  params?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(handler: RouteHandler, opts: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? TEST_ADMIN_TOKEN : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const req = new Request(`http://localhost${opts.path ?? "/"}`, { method: opts.method ?? (body ? "POST" : "GET"), headers, body });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}
