// Fault injection at the client boundary: wraps the real chDB-backed @clickhouse/client so inserts
// fail as they would when a ClickHouse server is down ("refuse"), or succeed in the store while the
// caller sees an error, as when a connection drops after the server committed ("lose-ack").
import type { ClickHouseClient } from "@clickhouse/client";

export type Fault = "none" | "refuse" | "lose-ack";

export function faultyClient(getFault: () => Fault): (real: ClickHouseClient) => ClickHouseClient {
  return (real) =>
    new Proxy(real, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        if (prop !== "exec" && prop !== "insert") return value.bind(target);
        return async (...args: unknown[]) => {
          const fault = getFault();
          if (fault === "refuse") throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" });
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (fault === "lose-ack") throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
          return result;
        };
      },
    });
}
