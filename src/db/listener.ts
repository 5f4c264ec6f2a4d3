// LISTEN on a Postgres server: one dedicated connection per process, shared by every channel, kept
// alive and reconnected with backoff. Not a pooled client: the pool would hand it to queries, and a
// LISTEN lasts only as long as its session.
import type { Client, Notification } from "pg";

// Declared here, not in postgres.ts (which re-exports it and loads this file lazily), so the two
// files do not import each other.
export interface ListenHooks {
  /** LISTEN is in effect (first connect, and again after every reconnect) */
  onListening?: () => void;
  /** the listening connection was lost: notifications may be missed until onListening */
  onLost?: () => void;
  /** the store was closed: the subscription is gone for good */
  onClosed?: () => void;
}

interface Subscriber {
  onNotify: (payload: string) => void;
  hooks: ListenHooks;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;
/** A query on the idle connection, so a half-open TCP connection is noticed and replaced. */
const PING_MS = 30_000;

export class PgListener {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private readonly channels = new Map<string, Set<Subscriber>>();
  private retryMs = MIN_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(private readonly url: string) {}

  /** The process id of the listening backend (tests terminate it to prove the reconnect). */
  backendPid(): number | null {
    return (this.client as unknown as { processID?: number } | null)?.processID ?? null;
  }

  /**
   * Registers the subscriber and resolves after the first attempt to LISTEN; hooks.onListening says
   * when LISTEN is in effect (at once when connected, or after the reconnect that succeeds).
   */
  async listen(channel: string, onNotify: (payload: string) => void, hooks: ListenHooks): Promise<() => Promise<void>> {
    const sub: Subscriber = { onNotify, hooks };
    let subs = this.channels.get(channel);
    if (!subs) this.channels.set(channel, (subs = new Set()));
    subs.add(sub);
    const unsubscribe = async () => {
      subs.delete(sub);
      if (subs.size > 0 || this.channels.get(channel) !== subs) return;
      this.channels.delete(channel);
      await this.client?.query(`UNLISTEN ${channel}`).catch(() => {});
    };
    try {
      const client = await this.connect();
      await client.query(`LISTEN ${channel}`); // idempotent: the connect may have listened already
      hooks.onListening?.();
    } catch {
      /* the reconnect loop retries; onListening fires when it succeeds */
    }
    return unsubscribe;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const subs of this.channels.values()) for (const sub of subs) sub.hooks.onClosed?.();
    this.channels.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const client = this.client ?? (await this.connecting?.catch(() => null));
    this.client = null;
    await client?.end().catch(() => {});
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const { Client } = await import("pg");
    const client = new Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 5000 });
    client.on("notification", (msg: Notification) => {
      for (const sub of this.channels.get(msg.channel) ?? []) sub.onNotify(msg.payload ?? "");
    });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
    } catch (e) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      this.scheduleReconnect();
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error("listener closed");
    }
    this.client = client;
    this.retryMs = MIN_RETRY_MS;
    this.pingTimer ??= setInterval(() => void this.client?.query("select 1").catch(() => this.client && this.lost(this.client)), PING_MS);
    this.pingTimer.unref();
    return client;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners("end");
    client.on("error", () => {});
    void client.end().catch(() => {});
    for (const subs of this.channels.values()) for (const sub of subs) sub.hooks.onLost?.();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().then(
        () => {
          for (const subs of this.channels.values()) for (const sub of subs) sub.hooks.onListening?.();
        },
        () => {},
      );
    }, delay);
    this.retryTimer.unref();
  }
}
