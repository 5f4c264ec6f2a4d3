// How the simulator talks to Verdict: only the public API (POST /api/v1/assign, POST /api/v1/events
// with a client key), over HTTP or by calling the same route handlers in-process (in-process.ts).
import type { Assignment, Unit } from "@/sdk/types";

export interface AssignResult {
  assignments: Assignment[];
}

export interface Transport {
  /** POST /api/v1/assign in batch form (≤ 1,000 units); log: false leaves exposure logging to the caller */
  assign(units: Unit[], log: boolean): Promise<AssignResult[]>;
  /** POST /api/v1/events (≤ 1,000 events) */
  send(events: object[]): Promise<{ accepted: number; rejected: number }>;
}

/** Calls one endpoint: a Request in, a Response out (fetch, or a route handler). */
export type Call = (path: string, body: unknown) => Promise<Response>;

const MAX_RETRIES = 30;

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** POSTs JSON; waits out 429/503 (Retry-After) like a well-behaved client; throws on other errors. */
async function postJson<T>(call: Call, path: string, body: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const res = await call(path, body);
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as T;
    if ((res.status === 429 || res.status === 503) && attempt < MAX_RETRIES) {
      const after = Number(res.headers.get("retry-after") ?? "1");
      await sleep(Math.min(30, Number.isFinite(after) ? after : 1) * 1000);
      continue;
    }
    throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

export function transportFrom(call: Call): Transport {
  return {
    async assign(units, log) {
      const out = await postJson<{ results: AssignResult[] }>(call, "/api/v1/assign", { units, log });
      return out.results;
    },
    async send(events) {
      const out = await postJson<{ accepted: number; rejected: unknown[] }>(call, "/api/v1/events", { events });
      return { accepted: out.accepted, rejected: out.rejected.length };
    },
  };
}

/** Over HTTP against a running server. */
export function httpTransport({ baseUrl, clientKey }: { baseUrl: string; clientKey: string }): Transport {
  const base = baseUrl.replace(/\/+$/, "");
  return transportFrom((path, body) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${clientKey}` },
      body: JSON.stringify(body),
    }),
  );
}
