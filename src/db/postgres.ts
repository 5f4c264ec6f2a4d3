// The config store: drizzle over PGlite (embedded default) or a Postgres server (DATABASE_URL).
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { env } from "@/core/env";
import { processSingleton } from "@/core/process-singleton";
import type { ListenHooks } from "./listener";
import * as schema from "./schema";

export type { ListenHooks };

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

interface ConfigStore {
  db: Db;
  mode: "pglite" | "postgres";
  describe: string;
  /** LISTEN on a channel of this store (see listen() below) */
  listen(channel: string, onNotify: (payload: string) => void, hooks: ListenHooks): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = resolve(process.cwd(), "drizzle");

const holder = processSingleton("configStore", () => ({ store: undefined as Promise<ConfigStore> | undefined }));

async function open(): Promise<ConfigStore> {
  const { DATABASE_URL, DATABASE_POOL_SIZE, dataDir } = env();
  if (DATABASE_URL) {
    const { Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const pool = new Pool({ connectionString: DATABASE_URL, max: DATABASE_POOL_SIZE, connectionTimeoutMillis: 5000 });
    const describe = `Postgres server at ${redact(DATABASE_URL)} (DATABASE_URL)`;
    try {
      const client = await pool.connect();
      client.release();
    } catch (e) {
      await pool.end().catch(() => {});
      throw new StoreConnectError(`Cannot connect to ${describe}: ${(e as Error).message}`);
    }
    const { PgListener } = await import("./listener");
    const listener = new PgListener(DATABASE_URL);
    return {
      db: drizzle(pool, { schema }) as unknown as Db,
      mode: "postgres",
      describe,
      listen: (channel, onNotify, hooks) => listener.listen(channel, onNotify, hooks),
      close: async () => {
        await listener.close();
        await pool.end();
      },
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const path = join(dataDir, "postgres");
  const describe = `embedded PGlite at ${path} (VERDICT_DATA_DIR)`;
  try {
    mkdirSync(path, { recursive: true });
    const client = await PGlite.create(path);
    const listening = new Set<ListenHooks>();
    return {
      db: drizzle(client, { schema }) as unknown as Db,
      mode: "pglite",
      describe,
      // one in-process database: a notification cannot be missed, so onLost never fires
      listen: async (channel, onNotify, hooks) => {
        const unlisten = await client.listen(channel, onNotify);
        listening.add(hooks);
        hooks.onListening?.();
        return async () => {
          listening.delete(hooks);
          await unlisten();
        };
      },
      close: async () => {
        for (const hooks of listening) hooks.onClosed?.();
        listening.clear();
        await client.close();
      },
    };
  } catch (e) {
    throw new StoreConnectError(`Cannot open ${describe}: ${(e as Error).message}`);
  }
}

export class StoreConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreConnectError";
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

function configStore(): Promise<ConfigStore> {
  holder.store ??= open().catch((e) => {
    holder.store = undefined;
    throw e;
  });
  return holder.store;
}

/** The drizzle database; the store is opened lazily, once per process. */
export async function getDb(): Promise<Db> {
  return (await configStore()).db;
}

/**
 * Calls onNotify with the payload of every NOTIFY on `channel` (lower-case identifier) committed by
 * any process sharing the config store. On a Postgres server this is one dedicated connection per
 * process (not a pooled one: a pooled client would be handed to queries), reconnected with backoff;
 * a reconnect fires onLost then onListening, and the caller must resynchronise from the store,
 * since what was notified in between is gone. Resolves, with the unsubscribe function, once LISTEN
 * is in effect.
 */
export async function listen(channel: string, onNotify: (payload: string) => void, hooks: ListenHooks = {}): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`channel '${channel}' must be a lower-case identifier`);
  return (await configStore()).listen(channel, onNotify, hooks);
}

export async function configStoreInfo(): Promise<{ mode: string; describe: string }> {
  const s = await configStore();
  return { mode: s.mode, describe: s.describe };
}

export async function migrateConfigStore(): Promise<void> {
  const s = await configStore();
  if (s.mode === "postgres") {
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator is typed per driver
    await migrate(s.db as any, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator is typed per driver
    await migrate(s.db as any, { migrationsFolder: MIGRATIONS_FOLDER });
  }
}

/** Applied drizzle migrations by tag (drizzle records each one's `when` as created_at), for /api/health. */
export async function configMigrations(): Promise<string[]> {
  const s = await configStore();
  const { sql } = await import("drizzle-orm");
  const res = (await s.db.execute(sql`select created_at from drizzle.__drizzle_migrations order by created_at`)) as unknown as { rows: { created_at: string }[] } | { created_at: string }[];
  const applied = new Set((Array.isArray(res) ? res : res.rows).map((r) => Number(r.created_at)));
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: { when: number; tag: string }[] };
  return journal.entries.filter((e) => applied.has(e.when)).map((e) => e.tag);
}

export async function closeConfigStore(): Promise<void> {
  if (!holder.store) return;
  const s = await holder.store.catch(() => undefined);
  holder.store = undefined;
  await s?.close();
}
