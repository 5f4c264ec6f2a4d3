// Time series for cumulative charts: hourly buckets while the experiment is younger than 3 days,
// daily after; at most MAX_BUCKETS (older experiments get multi-day buckets).
import { seriesArmStats, type ArmStats, type BucketSpec, type MetricDefinition, type MetricSummaries } from "@/server/evidence";
import { compareArms } from "./compare";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const MAX_BUCKETS = 120;

export function bucketSpec(startMs: number, nowMs: number): BucketSpec & { granularity: "hour" | "day" } {
  const age = Math.max(nowMs - startMs, 1);
  const hourly = age < 3 * DAY;
  let width = hourly ? HOUR : DAY;
  if (age / width > MAX_BUCKETS) width = Math.ceil(age / MAX_BUCKETS / width) * width;
  // origin aligned to whole hours (UTC) so buckets read as clock hours / days
  const origin = Math.floor(startMs / (hourly ? HOUR : DAY)) * (hourly ? HOUR : DAY);
  return { origin, width, count: Math.max(1, Math.ceil((nowMs - origin) / width)), granularity: hourly ? "hour" : "day" };
}

export interface SeriesPoint {
  start: string;
  /** exposed units per variant by the end of the bucket */
  exposures: Record<string, number>;
  /** cumulative effect of each non-control variant on the metric up to the end of the bucket */
  effects: Record<
    string,
    {
      absolute: { estimate: number; lower: number; upper: number };
      relative: { estimate: number; lower: number; upper: number };
      pValue: number;
      alwaysValid: { lower: number; upper: number } | null;
    } | null
  >;
}

export function buildSeries(summaries: MetricSummaries, def: MetricDefinition | null, control: string, alpha: number): SeriesPoint[] {
  const series = summaries.series;
  if (!series) return [];
  const { origin, width, count } = series.buckets;
  const points: SeriesPoint[] = [];
  for (let i = 0; i < count; i++) {
    const exposures = Object.fromEntries(summaries.variants.map((v) => [v, series.arms[v]?.n[i] ?? 0]));
    const effects: SeriesPoint["effects"] = {};
    const c = def && series.arms[control] ? seriesArmStats(def, series.arms[control], i) : null;
    for (const v of summaries.variants) {
      if (v === control || !def) continue;
      const t = series.arms[v] ? seriesArmStats(def, series.arms[v], i) : null;
      const cmp = c && t ? safeCompare(c, t, alpha) : null;
      effects[v] = cmp
        ? {
            absolute: cmp.fixed.absolute,
            relative: cmp.fixed.relative,
            pValue: cmp.fixed.pValue,
            alwaysValid: cmp.alwaysValid ? { lower: cmp.alwaysValid.absolute.lower, upper: cmp.alwaysValid.absolute.upper } : null,
          }
        : null;
    }
    points.push({ start: new Date(origin + i * width).toISOString(), exposures, effects });
  }
  return points;
}

function safeCompare(c: ArmStats, t: ArmStats, alpha: number) {
  try {
    return compareArms(c, t, alpha);
  } catch {
    return null; // a bucket with inconsistent rounding must not break the whole chart
  }
}
