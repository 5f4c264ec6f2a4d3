// A second Verdict instance on the same Postgres server, for test/auth-revocation-postgres.test.ts:
// revokes one key through the domain function, exactly as that instance's DELETE route would.
// It prints "ready" once loaded and connected, and revokes when it reads a line on stdin, so the
// test can fill the first instance's cache just before.
//   DATABASE_URL=… node --import tsx test/helpers/revoke-key-child.ts <key id>
import { createInterface } from "node:readline";
import { closeConfigStore, getDb } from "@/db/postgres";
import { SYSTEM } from "@/server/auth/principal";
import { revokeApiKey } from "@/server/keys/revoke";

async function main(id: string) {
  await getDb();
  console.log("ready");
  const lines = createInterface({ input: process.stdin });
  for await (const _line of lines) break;
  await revokeApiKey({ actor: SYSTEM, id });
  await closeConfigStore();
  console.log(`revoked ${id}`);
}

void main(process.argv[2]);
