// Fault injection at the store boundary: wraps the real chDB inserter (the connection's raw insert
// that the pipeline writes through) so inserts fail as they would when a ClickHouse server is down
// ("refuse"), or succeed in the store while the caller sees an error, as when a connection drops
// after the server committed ("lose-ack").
import type { PayloadInserter } from "@/db/clickhouse/client";

export type Fault = "none" | "refuse" | "lose-ack";

export function faultyInserter(getFault: () => Fault): (real: PayloadInserter) => PayloadInserter {
  return (real) =>
    async (...args) => {
      const fault = getFault();
      if (fault === "refuse") throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" });
      await real(...args);
      if (fault === "lose-ack") throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    };
}
