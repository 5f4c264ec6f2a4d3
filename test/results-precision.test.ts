// Issue 14, defect 6 on real chDB: a custom metric of epoch-like values (1.7e9 ± 10) keeps its
// variance through the SQL (centred by a per-metric constant before squares are summed), on the
// raw-events path and the rollup path, against exact BigInt sums of the planted values.
import { beforeAll, describe, expect, it } from "vitest";
import { chInsert } from "@/db/clickhouse/client";
import { SYSTEM } from "@/server/auth/principal";
import { createExperiment } from "@/server/experiments/create";
import { startExperiment } from "@/server/experiments/lifecycle";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { compareArms } from "@/server/results/compare";
import { getMetricSummaries, type SummariesSource } from "@/server/evidence";
import { mulberry32, normalSource } from "./helpers/analysis/random";
import { setupStores } from "./helpers/app";

const HOUR = 3_600_000;
const T0 = Date.now() - 24 * HOUR;
const USERS = 4000;
const iso = (ms: number) => new Date(ms).toISOString();

/** exact per-arm mean and variance from values in thousandths (integers: BigInt sums are exact) */
function exact(milli: bigint[]): { mean: number; variance: number } {
  const n = BigInt(milli.length);
  const s = milli.reduce((a, b) => a + b, BigInt(0));
  const ss = milli.reduce((a, b) => a + b * b, BigInt(0));
  // variance in milli² units: (n·Σx² − (Σx)²) / (n(n − 1)); both parts exact
  const num = n * ss - s * s;
  return { mean: Number(s) / Number(n) / 1000, variance: Number(num) / Number(n * (n - BigInt(1))) / 1e6 };
}

beforeAll(async () => {
  await setupStores();
});

describe("custom metric values around 1.7e9 with sd 10", () => {
  const planted: Record<string, bigint[]> = { control: [], treatment: [] };
  beforeAll(async () => {
    await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key: "epoch", name: "epoch", strategy: "ab", metrics: { primary: "engagement_rate", secondary: ["seen_at"] } }) });
    await startExperiment({ actor: SYSTEM, key: "epoch" });
    const rand = mulberry32(14_006);
    const normal = normalSource(rand);
    const rows: Record<string, unknown>[] = [];
    for (let u = 0; u < USERS; u++) {
      const variant = u % 2 ? "treatment" : "control";
      const at = T0 + Math.floor(rand() * 10 * HOUR);
      rows.push({ id: `x${u}`, type: "exposure", user_id: `e${u}`, experiment: "epoch", variant, timestamp: iso(at) });
      const milli = BigInt(1_700_000_000_000 + Math.round((normal() * 10 + (variant === "treatment" ? 1 : 0)) * 1000));
      planted[variant].push(milli);
      rows.push({ id: `m${u}`, type: "metric", user_id: `e${u}`, name: "seen_at", value: Number(milli) / 1000, timestamp: iso(at + HOUR) });
    }
    await chInsert("events", rows);
  });

  it.each(["events", "rollup"] as SummariesSource[])("keeps the variance on the %s path and compares the arms normally", async (source) => {
    const s = await getMetricSummaries({
      experiment: {
        key: "epoch",
        variants: [
          { key: "control", weight: 0.5 },
          { key: "treatment", weight: 0.5 },
        ],
        // the experiment's own metric: its rollup holds the metric's components
        metrics: { secondary: ["seen_at"] },
      },
      metrics: ["seen_at"],
      source,
    });
    const arms = s.metrics.seen_at;
    for (const v of ["control", "treatment"] as const) {
      const a = arms[v];
      if (a.kind !== "mean") throw new Error("expected a mean");
      const e = exact(planted[v]);
      const m = a.mean as typeof a.mean & { shift?: number };
      expect(m.shift).toBeGreaterThan(1.6e9);
      expect((m.shift ?? 0) + m.sum / m.n).toBeCloseTo(e.mean, 5);
      const variance = (m.sumSquares - (m.sum * m.sum) / m.n) / (m.n - 1);
      expect(Math.abs(variance / e.variance - 1)).toBeLessThan(1e-6);
    }
    const cmp = compareArms(arms.control, arms.treatment, 0.05)!;
    expect(cmp.fixed.degenerate).toBeUndefined();
    expect(cmp.fixed.pValue).toBeGreaterThan(0);
    // +1 planted on sd 10 with 2,000 per arm: the interval covers it
    expect(cmp.fixed.absolute.lower).toBeLessThan(1);
    expect(cmp.fixed.absolute.upper).toBeGreaterThan(1);
  });
});
