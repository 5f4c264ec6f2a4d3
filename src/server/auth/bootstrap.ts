// First start: an admin user, a server key with the admin role and a client key. Values come from
// VERDICT_ADMIN_PASSWORD / VERDICT_ADMIN_TOKEN / VERDICT_CLIENT_KEY when set (scripts and tests
// know them); otherwise they are generated and printed once, never stored in clear.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { apiKeys, users } from "@/db/schema";
import { recordAudit } from "@/server/audit/record";
import { SYSTEM } from "@/server/auth/principal";
import { env } from "@/core/env";
import { hashPassword } from "./password";
import { displayPrefix, hashToken, newToken } from "./tokens";

export interface BootstrapResult {
  created: boolean;
  printed: string[];
}

export async function bootstrapIdentity(): Promise<BootstrapResult> {
  const e = env();
  const db = await getDb();
  const printed: string[] = [];
  const [anyUser] = await db.select({ id: users.id }).from(users).limit(1);
  if (anyUser) {
    // Known credentials from the environment are (re)installed so scripts keep working after restarts.
    await ensureKey(db, e.VERDICT_ADMIN_TOKEN, "server", "bootstrap admin key");
    await ensureKey(db, e.VERDICT_CLIENT_KEY, "client", "bootstrap client key");
    return { created: false, printed };
  }
  const password = e.VERDICT_ADMIN_PASSWORD ?? randomBytes(12).toString("base64url");
  const adminToken = e.VERDICT_ADMIN_TOKEN ?? newToken("vd_srv");
  const clientKey = e.VERDICT_CLIENT_KEY ?? newToken("vd_cli");
  await db.transaction(async (tx) => {
    await tx.insert(users).values({ username: e.VERDICT_ADMIN_USER, passwordHash: await hashPassword(password), role: "admin" });
    await tx.insert(apiKeys).values([
      { name: "bootstrap admin key", kind: "server", role: "admin", prefix: displayPrefix(adminToken), tokenHash: hashToken(adminToken), createdBy: "system" },
      { name: "bootstrap client key", kind: "client", role: null, prefix: displayPrefix(clientKey), tokenHash: hashToken(clientKey), createdBy: "system" },
    ]);
    await recordAudit(tx, SYSTEM, { action: "identity.bootstrapped", entityType: "user", entityKey: e.VERDICT_ADMIN_USER, after: { role: "admin" } });
  });
  // Like Jenkins' initialAdminPassword: the generated secrets also go to a 0600 file in the data
  // directory, so the README's curl examples can `source` it. Delete it once you have stored them.
  mkdirSync(e.dataDir, { recursive: true });
  const file = join(e.dataDir, "initial-credentials.env");
  writeFileSync(
    file,
    // exported and shell-quoted: `source` must hand them to child processes (npm run simulate)
    // whatever characters a password given through the environment has
    [
      ["VERDICT_ADMIN_USER", e.VERDICT_ADMIN_USER],
      ["VERDICT_ADMIN_PASSWORD", password],
      ["VERDICT_ADMIN_TOKEN", adminToken],
      ["VERDICT_CLIENT_KEY", clientKey],
    ]
      .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
      .join(""),
    { mode: 0o600 },
  );
  printed.push(`credentials also written to ${file} (mode 0600)`);
  if (!e.VERDICT_ADMIN_PASSWORD) printed.push(`admin user:  ${e.VERDICT_ADMIN_USER} / ${password}`);
  else printed.push(`admin user:  ${e.VERDICT_ADMIN_USER} (password from VERDICT_ADMIN_PASSWORD)`);
  if (!e.VERDICT_ADMIN_TOKEN) printed.push(`admin API key (server, admin role): ${adminToken}`);
  if (!e.VERDICT_CLIENT_KEY) printed.push(`client key (assign + events):        ${clientKey}`);
  return { created: true, printed };
}

async function ensureKey(db: Awaited<ReturnType<typeof getDb>>, token: string | undefined, kind: "server" | "client", name: string) {
  if (!token) return;
  const [row] = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(eq(apiKeys.tokenHash, hashToken(token)))
    .limit(1);
  if (row) return;
  await db.insert(apiKeys).values({ name, kind, role: kind === "server" ? "admin" : null, prefix: displayPrefix(token), tokenHash: hashToken(token), createdBy: "system" });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
