// ?novelty=1: the primary metric's effect by days since first exposure and its trend (issue 16).
// A significant trend gets a warning: a shrinking effect is the classic novelty effect (a curiosity
// spike on a new live map), so the cumulative headline overstates the long-run effect; a growing
// one suggests users are still learning the change.
import { getNovelty, type NoveltySummaries } from "@/server/evidence";
import type { Experiment } from "@/server/experiments/types";

export interface NoveltyDayView {
  day: number;
  n: { byVariant: Record<string, number> };
  /** treatment − control on that day, its standard error and interval (null: not computable) */
  effect: number;
  se: number | null;
  ci: { lower: number; upper: number };
  relative: { estimate: number; lower: number; upper: number };
  /** enters the trend (≥ 100 units per arm) */
  used: boolean;
}

export interface NoveltyView {
  metric: string;
  kind: "proportion" | "mean" | "ratio" | null;
  /** why there is no view (percentile primary, no per-event series) */
  unavailable?: string;
  /** units count on day d once exposed d + 1 full days before this instant (the read's time floored to the hour) */
  cutAt: string;
  days: NoveltyDayView[];
  trend: { slope: number; se: number; naiveSe: number; z: number; p: number; alpha: number; daysUsed: number; direction: "shrinking" | "growing"; trending: boolean } | null;
  warning?: string;
  method: string;
}

const METHOD =
  "Day d since a unit's first exposure, counted once the unit was exposed d + 1 full days before cutAt (the last whole hour; at most 30 days); a unit without events that day counts as 0. Days come from the events' UTC hour " +
  "(an event up to an hour after a day boundary can count on the day before). Trend: weighted least-squares slope of the daily effect on the day (weights 1/se²; days with ≥ 100 units per arm), " +
  "with a standard error clustered by unit (the same units appear on many days); trending when p < 0.05 over at least 3 days. Later days hold only the earliest-exposed units, so cohort and calendar " +
  "differences also show as a trend.";

export function formatP(p: number): string {
  return p < 0.001 ? "p < 0.001" : `p = ${p.toPrecision(2)}`;
}

export function noveltyWarning(trend: NoveltyView["trend"]): string | undefined {
  if (!trend?.trending) return undefined;
  return trend.direction === "shrinking"
    ? `The effect is shrinking with time since exposure (${formatP(trend.p)}): a novelty effect; the long-run effect may be smaller.`
    : `The effect is growing with time since exposure (${formatP(trend.p)}): users may still be learning the change; the long-run effect may be larger.`;
}

export function noveltyViewOf(s: NoveltySummaries): NoveltyView {
  const byDay = new Map(s.units.map((u) => [u.day, u.byVariant]));
  const t = s.trend;
  const trend = t ? { slope: t.slope, se: t.se, naiveSe: t.naiveSe, z: t.z, p: t.pValue, alpha: t.trendAlpha, daysUsed: t.daysUsed, direction: t.direction, trending: t.trending } : null;
  const warning = noveltyWarning(trend);
  return {
    metric: s.metric,
    kind: s.kind,
    ...(s.unavailable ? { unavailable: s.unavailable } : {}),
    cutAt: new Date(s.cut).toISOString(),
    days: s.days.map((d) => ({
      day: d.day,
      n: { byVariant: byDay.get(d.day) ?? {} },
      effect: d.effect,
      se: d.se,
      ci: { lower: d.ci.lower, upper: d.ci.upper },
      relative: d.relative,
      used: d.used,
    })),
    trend,
    ...(warning ? { warning } : {}),
    method: METHOD,
  };
}

export async function noveltyView(e: Experiment, now: number): Promise<NoveltyView> {
  return noveltyViewOf(await getNovelty({ experiment: e, now, alpha: e.metrics.alpha }));
}
