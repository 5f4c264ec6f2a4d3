// The stored-rows scan of the event trigger on real serializeRows payloads (no stores).
import { describe, expect, it } from "vitest";
import { serializeRows } from "@/server/ingestion/rows";
import type { EventRow } from "@/server/ingestion/schemas";
import { scanPayload } from "@/server/decisions/triggers";

const row = (over: Partial<EventRow>): EventRow => ({
  id: "e1",
  type: "request",
  name: "",
  user_id: "u1",
  experiment: "",
  variant: "",
  value: 1,
  properties: "{}",
  timestamp: 1,
  received_at: 1,
  ...over,
});

describe("scanPayload", () => {
  it("finds the experiments of exposures and whether other events are present", () => {
    const p = serializeRows([
      row({ type: "exposure", experiment: "checkout-v2", variant: "treatment" }),
      row({ id: "e2" }),
      row({ id: "e3", type: "exposure", experiment: "search", variant: "control" }),
      row({ id: "e4", type: "exposure", experiment: "checkout-v2", variant: "control" }),
    ]);
    expect(scanPayload(p)).toEqual({ experiments: new Set(["checkout-v2", "search"]), exposureRows: 3, otherRows: true });
    expect(scanPayload(serializeRows([row({ type: "exposure", experiment: "a", variant: "control" })])).otherRows).toBe(false);
    expect(scanPayload(serializeRows([row({}), row({ id: "x", type: "error" })]))).toEqual({ experiments: new Set(), exposureRows: 0, otherRows: true });
  });

  it("is not fooled by client strings: ids, user ids, names and properties that look like fields", () => {
    const tricky = [
      row({ id: '"type":"exposure","experiment":"evil-1"', user_id: '"experiment":"evil-2"' }),
      row({ id: "p", type: "metric", name: 'n"type":"exposure"', properties: '{"type":"exposure","experiment":"evil-3"}' }),
      row({ id: "q", type: "exposure", experiment: "real", variant: "control", user_id: '"experiment":"evil-4"', properties: '{"experiment":"evil-5"}' }),
    ];
    expect(scanPayload(serializeRows(tricky))).toEqual({ experiments: new Set(["real"]), exposureRows: 1, otherRows: true });
  });
});
