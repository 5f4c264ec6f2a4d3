// Keys are cached per process for a few seconds (authenticate.ts). A change to a key or a user is
// announced on the config store with NOTIFY inside the change's transaction, so it is delivered
// exactly when the change commits, and every instance sharing the store LISTENs and drops its cache
// at once. PGlite delivers notifications in-process; a Postgres server to every connected instance.
// While an instance is not listening (starting, or its listening connection dropped and is
// reconnecting), it does not cache at all: a missed notification can never leave a revoked key valid.
import { sql } from "drizzle-orm";
import { listen, type Db } from "@/db/postgres";
import { processSingleton } from "@/core/process-singleton";

export const AUTH_CHANGED_CHANNEL = "verdict_auth_changed";

interface State {
  listening: boolean;
  started: Promise<void> | undefined;
  /** after a failed start, no new attempt before this (a store that is down is not hammered per request) */
  retryAt: number;
  onChange: Set<() => void>;
}

const RETRY_MS = 5000;

const state = processSingleton<State>("authInvalidation", () => ({ listening: false, started: undefined, retryAt: 0, onChange: new Set() }));

function changed(): void {
  for (const fn of state.onChange) fn();
}

/** Starts listening once per process (idempotent); failures are retried on the next call. */
export function ensureAuthListener(): Promise<void> {
  if (!state.started && Date.now() < state.retryAt) return Promise.resolve();
  state.started ??= listen(AUTH_CHANGED_CHANNEL, () => changed(), {
    onListening: () => {
      state.listening = true;
      changed();
    },
    onLost: () => {
      state.listening = false;
      changed();
    },
    onClosed: () => {
      state.listening = false;
      state.started = undefined;
    },
  })
    .then(() => undefined)
    .catch((e: unknown) => {
      state.started = undefined;
      state.retryAt = Date.now() + RETRY_MS;
      console.error(`[verdict] auth cache listener: ${(e as Error).message}; keys are looked up on every request until it works (retried every ${RETRY_MS / 1000} s)`);
    });
  return state.started;
}

/** Whether this process would hear about a change now, and so may cache. */
export function authCacheAllowed(): boolean {
  return state.listening;
}

export function onAuthChanged(fn: () => void): void {
  state.onChange.add(fn);
}

/** Call inside the transaction of any change to api_keys or users. */
export async function notifyAuthChanged(tx: Pick<Db, "execute">, what: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${AUTH_CHANGED_CHANNEL}, ${what})`);
}

/** Only for tests: as if the listening connection had dropped. */
export function setListeningForTests(up: boolean): void {
  state.listening = up;
  changed();
}
