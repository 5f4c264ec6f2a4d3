// The one module that reads process.env. Every setting is validated here, so a bad value fails fast
// with the variable's name instead of surfacing later as an obscure store error.
import { resolve } from "node:path";
import { z } from "zod";

const optionalString = z.string().trim().min(1).optional().or(z.literal("").transform(() => undefined));
const bool = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  VERDICT_DATA_DIR: z.string().min(1).default("./.verdict"),
  DATABASE_URL: optionalString.pipe(z.string().regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://").optional()),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  CLICKHOUSE_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).optional()),
  CLICKHOUSE_USER: z.string().default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain identifier").default("verdict"),
  CLICKHOUSE_CLUSTER: optionalString.pipe(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "must be a cluster name").optional()),
  VERDICT_ADMIN_USER: z.string().min(1).max(64).default("admin"),
  VERDICT_ADMIN_PASSWORD: optionalString.pipe(z.string().min(8, "must be at least 8 characters").optional()),
  VERDICT_ADMIN_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  VERDICT_CLIENT_KEY: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  VERDICT_SESSION_TTL_HOURS: z.coerce.number().positive().default(24 * 7),
  VERDICT_RESULTS_CACHE_SECONDS: z.coerce.number().min(0).default(10),
  VERDICT_EVALUATOR_INTERVAL_SECONDS: z.coerce.number().min(0).default(60),
  // evaluate a running experiment as soon as its new events are stored (the interval stays as a backstop)
  VERDICT_EVALUATOR_EVENTS: bool.default(true),
  VERDICT_INGEST_RATE_LIMIT: z.coerce.number().int().min(0).default(2000),
  VERDICT_SPOOL_MAX_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024 * 1024),
  // spool-then-ack or insert-then-ack with spool fallback; see src/server/ingestion/README.md
  VERDICT_INGEST_MODE: z.enum(["spool", "direct"]).default("spool"),
  VERDICT_SEED_DEMO: bool.default(true),
  // webhook retries: attempt n waits base * 2^(n-1), capped at an hour; tests use a few ms
  VERDICT_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(10_000),
  VERDICT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  VERDICT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  // demo seed: simulated users sent through the public API in the background after boot
  VERDICT_SEED_DEMO_USERS: z.coerce.number().int().min(0).default(3000),
  VERDICT_SECURE_COOKIES: bool.default(false),
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
