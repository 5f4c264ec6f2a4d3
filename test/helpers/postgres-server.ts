// The Postgres server of the DATABASE_URL tests (.ci/run starts Debian's postgresql and sets it;
// test/setup.ts hands it over as VERDICT_TEST_POSTGRES_URL). Each such test makes its own database
// on it and drops it after.
import { Client } from "pg";
import { afterAll, beforeAll } from "vitest";

export const serverUrl = process.env.VERDICT_TEST_POSTGRES_URL;

/** Says why a server test file is skipped when no server is configured. */
export function warnIfNoServer(file: string): void {
  if (!serverUrl) console.warn(`[skipped] ${file}: set DATABASE_URL to a Postgres server (.ci/run does)`);
}

/** The server's URL with another database. */
export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** One statement on its own connection (CREATE/DROP DATABASE cannot run in a pool's transaction). */
export async function adminQuery<T = unknown>(sqlText: string, db = "postgres", values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: withDatabase(serverUrl!, db) });
  await client.connect();
  try {
    return (await client.query(sqlText, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * Inside a describe: a fresh database on the server for this file, the config store booted on it
 * (DATABASE_URL points there), closed and dropped after. Returns the database's URL once booted.
 */
export function useServerDatabase(dbName: string): { url: () => string } {
  let url = "";
  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${dbName}`);
    url = withDatabase(serverUrl!, dbName);
    process.env.DATABASE_URL = url;
    const { boot } = await import("@/server/boot");
    await boot({ background: false });
  });
  afterAll(async () => {
    const { closeConfigStore } = await import("@/db/postgres");
    await closeConfigStore();
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });
  return { url: () => url };
}
