// Unleash-style: migrate one template config store per run, and let every test file start from a
// copy of it (test/setup.ts). Creating a PGlite cluster from scratch costs seconds; copying it, milliseconds.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default async function setup(): Promise<() => void> {
  const migrations = readdirSync("drizzle")
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const hash = createHash("sha256");
  for (const f of migrations) hash.update(readFileSync(join("drizzle", f)));
  const dir = join(tmpdir(), `verdict-pg-template-${hash.digest("hex").slice(0, 12)}`);
  if (!existsSync(join(dir, "PG_VERSION"))) {
    const staging = `${dir}.staging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    const client = await PGlite.create(staging);
    await migrate(drizzle(client), { migrationsFolder: "drizzle" });
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  process.env.VERDICT_TEST_PG_TEMPLATE = dir;

  // Every temporary directory of this run (each test file's data directory, ~40 MB with chDB; the
  // servers that tests start) goes under one run directory, removed when the run ends: without
  // it every `npm test` left ~2 GB in /tmp. VERDICT_TEST_KEEP_DATA=1 keeps it for a post-mortem.
  const runDir = mkdtempSync(join(tmpdir(), "verdict-test-run-"));
  process.env.TMPDIR = runDir;
  return () => {
    if (process.env.VERDICT_TEST_KEEP_DATA === "1") console.log(`[verdict] test data kept in ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  };
}
