// The config store: drizzle over PGlite (embedded default) or a Postgres server (DATABASE_URL).
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { env } from "@/server/env";
import { processSingleton } from "@/server/process-singleton";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

interface ConfigStore {
  db: Db;
  mode: "pglite" | "postgres";
  describe: string;
  listen: Listen;
  close(): Promise<void>;
}

/**
 * Subscribes to a NOTIFY channel; resolves once listening. `onState(false)` means notifications may
 * have been missed (the listening connection of a Postgres server dropped; it reconnects by itself),
 * `onState(true)` that they flow again. Resolves to an unsubscribe function.
 */
export type Listen = (channel: string, onNotify: (payload: string) => void, onState?: (listening: boolean) => void) => Promise<() => Promise<void>>;

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
    const listeners = new Set<() => Promise<void>>();
    const listen: Listen = async (channel, onNotify, onState) => {
      const stop = await serverListen(DATABASE_URL, channel, onNotify, onState ?? (() => {}));
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    };
    const close = async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    };
    return { db: drizzle(pool, { schema }) as unknown as Db, mode: "postgres", describe, listen, close };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const path = join(dataDir, "postgres");
  const describe = `embedded PGlite at ${path} (VERDICT_DATA_DIR)`;
  try {
    mkdirSync(path, { recursive: true });
    const client = await PGlite.create(path);
    // in-process: one PGlite is one process, and its notifications never drop
    const listen: Listen = async (channel, onNotify, onState) => {
      const stop = await client.listen(channel, onNotify);
      onState?.(true);
      return () => stop();
    };
    return { db: drizzle(client, { schema }) as unknown as Db, mode: "pglite", describe, listen, close: () => client.close() };
  } catch (e) {
    throw new StoreConnectError(`Cannot open ${describe}: ${(e as Error).message}`);
  }
}

/** A dedicated connection (a pooled one would be handed to queries); reconnects after a drop. */
async function serverListen(url: string, channel: string, onNotify: (payload: string) => void, onState: (listening: boolean) => void): Promise<() => Promise<void>> {
  const { Client } = await import("pg");
  let client: InstanceType<typeof Client> | undefined;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const connect = async (): Promise<void> => {
    const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    c.on("notification", (n) => {
      if (n.channel === channel) onNotify(n.payload ?? "");
    });
    c.on("error", () => dropped(c));
    c.on("end", () => dropped(c));
    try {
      await c.connect();
      await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    } catch (e) {
      c.end().catch(() => {});
      throw e;
    }
    client = c;
    onState(true);
  };
  const dropped = (c: InstanceType<typeof Client>) => {
    if (client !== c || stopped) return;
    client = undefined;
    onState(false);
    c.end().catch(() => {});
    const again = () => {
      retry = setTimeout(() => {
        if (!stopped) connect().catch(again);
      }, 1000);
      retry.unref();
    };
    again();
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
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

/** LISTEN on the config store (see Listen). */
export async function listen(channel: string, onNotify: (payload: string) => void, onState?: (listening: boolean) => void): Promise<() => Promise<void>> {
  return (await configStore()).listen(channel, onNotify, onState);
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
  const res = (await s.db.execute(sql`select created_at from drizzle.__drizzle_migrations order by created_at`)) as unknown as
    | { rows: { created_at: string }[] }
    | { created_at: string }[];
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
