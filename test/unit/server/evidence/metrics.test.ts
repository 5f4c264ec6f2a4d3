// validateMetricDefinition: what the metrics API rejects before a definition reaches the SQL compiler.
import { describe, expect, it } from "vitest";
import { builtInMetrics, validateMetricDefinition } from "@/server/evidence/metrics";
import type { MetricDefinition } from "@/server/evidence/types";

const ok: MetricDefinition = {
  name: "crash_rate",
  label: "Crash rate",
  kind: "ratio",
  direction: "lower_is_better",
  numerator: { type: "metric", name: "crash", where: [{ property: "platform", op: "in", value: ["android", "ios"] }], aggregate: "count" },
  denominator: { type: "metric", name: "tracking_view", aggregate: "count" },
  capping: { percentile: 0.99 },
  cuped: false,
  description: "",
};
const problems = (patch: Partial<MetricDefinition>) => validateMetricDefinition({ ...ok, ...patch } as MetricDefinition);

describe("validateMetricDefinition", () => {
  it("accepts every built-in and a filtered, capped ratio", () => {
    for (const m of builtInMetrics()) expect(validateMetricDefinition(m), m.name).toEqual([]);
    expect(validateMetricDefinition(ok)).toEqual([]);
  });

  it("rejects what the SQL cannot express or the statistics cannot test", () => {
    expect(problems({ denominator: undefined })).toEqual(["denominator: required"]);
    expect(problems({ kind: "mean" })).toContain("denominator: only for ratio metrics");
    expect(problems({ kind: "percentile", denominator: undefined, capping: undefined })).toEqual(["percentile: a number in [0.5, 0.99]"]);
    expect(problems({ kind: "percentile", denominator: undefined, percentile: 0.4, capping: undefined })).toEqual(["percentile: a number in [0.5, 0.99]"]);
    expect(problems({ kind: "percentile", denominator: undefined, percentile: 0.9 })[0]).toMatch(/^capping: not for percentile/);
    expect(problems({ kind: "proportion", denominator: undefined })[0]).toMatch(/^capping: not for proportion/);
    expect(problems({ capping: { absolute: -1 } })).toEqual(["capping.absolute: a positive number"]);
    expect(problems({ numerator: { type: "metric", aggregate: "count" } })).toEqual(["numerator.name: required for type metric (the metric event's name)"]);
    expect(problems({ numerator: { type: "exposure" as never, aggregate: "count" } })[0]).toMatch(/^numerator.type/);
    const where = (w: unknown) => problems({ numerator: { type: "page_load", aggregate: "sum", where: w as never } });
    expect(where(Array.from({ length: 11 }, () => ({ property: "a", op: "exists" })))).toEqual(["numerator.where: at most 10 filters"]);
    expect(where([{ property: "bad name'", op: "exists" }])[0]).toMatch(/property: 1–64/);
    expect(where([{ property: "a", op: "in", value: "x" }])[0]).toMatch(/value: a list of at most 100/);
    expect(where([{ property: "a", op: "in", value: Array.from({ length: 101 }, (_, i) => i) }])[0]).toMatch(/value: a list of at most 100/);
    expect(where([{ property: "a", op: "gt", value: "3" }])).toEqual(["numerator.where[0].value: a number for gt"]);
    expect(where([{ property: "a", op: "exists", value: 1 }])).toEqual(["numerator.where[0].value: none for exists"]);
    expect(where([{ property: "a", op: "like", value: "x" }])[0]).toMatch(/op: one of/);
  });
});
