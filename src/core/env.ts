// The one module that reads process.env. Every setting is validated here, so a bad value fails fast
// with the variable's name instead of surfacing later as an obscure store error.
import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";

const optionalString = z
  .string()
  .trim()
  .min(1)
  .optional()
  .or(z.literal("").transform(() => undefined));
const bool = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

function isAllowEntry(entry: string): boolean {
  const [rawNet, prefix, ...rest] = entry.split("/");
  const net = rawNet.replace(/^\[(.*)\]$/, "$1");
  const v = isIP(net);
  if (rest.length > 0) return false;
  if (prefix !== undefined) return v !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (v === 4 ? 32 : 128);
  return v !== 0 || /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/.test(net);
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  VERDICT_DATA_DIR: z.string().min(1).default("./.verdict"),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
      .optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  CLICKHOUSE_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).optional()),
  CLICKHOUSE_USER: z.string().default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain identifier")
    .default("verdict"),
  CLICKHOUSE_CLUSTER: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "must be a cluster name")
      .optional(),
  ),
  VERDICT_ADMIN_USER: z.string().min(1).max(64).default("admin"),
  VERDICT_ADMIN_PASSWORD: optionalString.pipe(
    z
      .string()
      .min(8, "must be at least 8 characters")
      .refine((p) => Buffer.byteLength(p) <= 72, "must be at most 72 bytes")
      .optional(),
  ),
  VERDICT_ADMIN_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  VERDICT_CLIENT_KEY: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  VERDICT_SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 7),
  VERDICT_RESULTS_CACHE_SECONDS: z.coerce.number().min(0).default(10),
  VERDICT_EVALUATOR_INTERVAL_SECONDS: z.coerce.number().min(0).default(60),
  // evaluate a running experiment as soon as its new events are stored (the interval stays as a backstop)
  VERDICT_EVALUATOR_EVENTS: bool.default(true),
  // events/s per key for keys without a limit of their own; 0 (default) = none: every app install
  // shares one client key, so a fixed per-key number would throttle a fleet; overload is shed by load
  VERDICT_INGEST_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
  VERDICT_SPOOL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024 * 1024),
  // events waiting for their group commit (bytes) beyond which requests are shed with 503 overloaded
  VERDICT_INGEST_QUEUE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  // spool-then-ack or insert-then-ack with spool fallback; see src/server/ingestion/README.md
  VERDICT_INGEST_MODE: z.enum(["spool", "direct"]).default("spool"),
  VERDICT_SEED_DEMO: bool.default(true),
  // webhook retries: attempt n waits base * 2^(n-1), capped at an hour; tests use a few ms
  VERDICT_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(10_000),
  VERDICT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  VERDICT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  // webhook destinations allowed although they are private/loopback/link-local (on-premise
  // receivers): comma-separated host names, IP addresses or CIDR ranges (src/server/webhooks/README.md)
  VERDICT_WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine(isAllowEntry, "entries must be host names, IP addresses or CIDR ranges such as 10.0.0.0/8"))),
  // demo seed: new simulated users over the replayed past days (plus a few regulars each hour),
  // sent through the public API in the background after boot
  VERDICT_SEED_DEMO_USERS: z.coerce.number().int().min(0).default(24000),
  VERDICT_SECURE_COOKIES: bool.default(false),
  // server.ts: how long a client may take to send its request headers, and its whole request
  // (headers and body; the response may take as long as it needs: streams are not cut), and how
  // long an idle keep-alive connection stays open. 0 turns the request timeout off (not advised).
  VERDICT_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  VERDICT_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  VERDICT_HTTP_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(65_000),
  // GET /api/v1/sdk/stream: concurrent streams per process (each holds a socket: mind ulimit -n)
  VERDICT_STREAM_MAX_CONNECTIONS: z.coerce.number().int().min(0).default(20_000),
  VERDICT_STREAM_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(3600).default(15),
  // proxies in front of the server that append the client's address to X-Forwarded-For (0: none, the
  // socket's peer is the client); see src/server/auth/client-address.ts
  VERDICT_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
});

export type Env = z.infer<typeof EnvSchema> & { dataDir: string };

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? "environment");
    throw new EnvError(`Invalid environment variable ${name}: ${issue.message} (got ${JSON.stringify(source[name] ?? null)})`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.VERDICT_DATA_DIR) };
}

/** Entry points (npm start, server.ts): the settings, or one line naming the bad variable and exit 1. */
export function parseEnvOrExit(source: NodeJS.ProcessEnv): Env {
  try {
    return parseEnv(source);
  } catch (e) {
    if (e instanceof EnvError) {
      console.error(`[verdict] ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}

let cached: Env | undefined;

/** Validated settings; cached after the first call (tests set variables before importing stores). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Only for tests that change the environment between cases. */
export function resetEnvForTests(): void {
  cached = undefined;
}

/** Version of the running code, stored with every decision so it can be reproduced. */
export function codeVersion(): string {
  return process.env.npm_package_version ?? "0.1.0";
}
