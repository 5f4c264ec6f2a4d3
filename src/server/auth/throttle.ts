// Sign-in backoff, per account and per client address. Each attempt is counted before the password
// is checked (so a burst of parallel guesses is counted too, each in its own row-locked upsert);
// a successful sign-in takes its own count back. After FREE failures in a row, every further
// attempt must wait BASE * 2^(failures - FREE), up to CAP; while blocked, attempts are answered 429
// with Retry-After without checking the password (no hashing work for the guesser either) and do
// not extend the block. An hour without attempts forgets the count.
//
// Addresses get more free failures than accounts: one office or carrier NAT is many people.
// Kept in the config store, so every instance sharing it enforces the same budget.
import { lt, sql } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { signInThrottle } from "@/db/schema";
import { AppError } from "@/core/errors";

// Mutable only so that tests can lengthen the first wait: on a loaded machine the next attempt
// can take longer than a second to arrive, and the block would be over before it was seen.
export const THROTTLE: { accountFree: number; addressFree: number; baseMs: number; capMs: number; quietMs: number } = {
  accountFree: 5,
  addressFree: 20,
  baseMs: 1000,
  capMs: 15 * 60_000,
  quietMs: 60 * 60_000,
};

type Key = { key: string; free: number };

function keysFor(username: string, address: string | null): Key[] {
  const keys: Key[] = [{ key: `account:${username}`, free: THROTTLE.accountFree }];
  if (address) keys.push({ key: `address:${address}`, free: THROTTLE.addressFree });
  // a fixed lock order: two sign-ins never wait on each other's rows in opposite orders
  return keys.sort((a, b) => a.key.localeCompare(b.key));
}

function blockUntil(failures: number, free: number, now: Date): Date | null {
  if (failures < free) return null;
  return new Date(now.getTime() + Math.min(THROTTLE.capMs, THROTTLE.baseMs * 2 ** Math.min(failures - free, 30)));
}

export interface SignInAttempt {
  keys: Key[];
}

/** Counts an attempt, or throws 429 rate_limited with Retry-After while any of its keys is blocked. */
export async function admitSignIn({ username, address, now = new Date() }: { username: string; address: string | null; now?: Date }): Promise<SignInAttempt> {
  const keys = keysFor(username, address);
  const db = await getDb();
  const quietSince = new Date(now.getTime() - THROTTLE.quietMs);
  await db.transaction(async (tx) => {
    for (const { key, free } of keys) {
      const [row] = await tx
        .insert(signInThrottle)
        .values({ key, failures: 1, updatedAt: now })
        .onConflictDoUpdate({
          target: signInThrottle.key,
          set: {
            failures: sql`case when ${signInThrottle.updatedAt} < ${quietSince} then 1 else ${signInThrottle.failures} + 1 end`,
            updatedAt: now,
          },
        })
        .returning({ failures: signInThrottle.failures, blockedUntil: signInThrottle.blockedUntil });
      if (row.blockedUntil && row.blockedUntil > now) {
        const seconds = Math.max(1, Math.ceil((row.blockedUntil.getTime() - now.getTime()) / 1000));
        // thrown inside the transaction: the counts just taken are rolled back
        throw new AppError("rate_limited", `Too many failed sign-ins; try again in ${seconds} s`, { retryAfterSeconds: seconds }, { "retry-after": String(seconds) });
      }
      const until = blockUntil(row.failures, free, now);
      if (until)
        await tx
          .update(signInThrottle)
          .set({ blockedUntil: until })
          .where(sql`${signInThrottle.key} = ${key}`);
    }
  });
  if (Math.random() < 0.01) await forgetOld(now);
  return { keys };
}

/** The password was right: the account starts afresh, and the address gets this attempt back. */
export async function signInSucceeded(attempt: SignInAttempt, now = new Date()): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    for (const { key, free } of attempt.keys) {
      if (key.startsWith("account:")) {
        await tx.delete(signInThrottle).where(sql`${signInThrottle.key} = ${key}`);
        continue;
      }
      await tx
        .update(signInThrottle)
        .set({
          failures: sql`greatest(${signInThrottle.failures} - 1, 0)`,
          blockedUntil: sql`case when ${signInThrottle.failures} - 1 < ${free} then null else ${signInThrottle.blockedUntil} end`,
          updatedAt: now,
        })
        .where(sql`${signInThrottle.key} = ${key}`);
    }
  });
}

/** Rows nobody has touched for a day (guessers can create one per username or address they try). */
async function forgetOld(now: Date): Promise<void> {
  const db = await getDb();
  await db.delete(signInThrottle).where(lt(signInThrottle.updatedAt, new Date(now.getTime() - 24 * 3600_000)));
}
