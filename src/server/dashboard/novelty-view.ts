// The experiment page's novelty card: the primary metric's effect by days since first exposure
// (src/server/results/novelty.ts), mapped to plain data. Its own loader, not part of getResults: the
// card streams in after the main results and its rows are stored, so a reload is a lookup.
import { metricDefinition } from "@/server/evidence";
import type { Experiment } from "@/server/experiments/types";
import { formatP, noveltyView } from "@/server/results/novelty";
import type { NoveltyCardView } from "./novelty-card";

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

export async function loadNoveltyCard(e: Experiment): Promise<{ view: NoveltyCardView | null; error: string | null }> {
  if (e.status === "draft") return { view: null, error: null };
  try {
    const n = await noveltyView(e, Date.now());
    const def = metricDefinition(n.metric);
    const unit = def?.unit ?? null;
    const perDay = (x: number) => (unit === "share" ? `${(x * 100).toFixed(2)} pp` : unit === "ms" ? `${x.toFixed(1)} ms` : x.toPrecision(3));
    return {
      view: {
        metric: n.metric,
        label: def?.label ?? n.metric,
        unit,
        control: e.control,
        treatment: e.treatment,
        unavailable: n.unavailable ?? null,
        points: n.days.map((d) => ({
          day: d.day,
          effect: d.effect,
          band: finite(d.ci.lower) && finite(d.ci.upper) ? [d.ci.lower, d.ci.upper] : null,
          units: Object.values(d.n.byVariant).reduce((a, b) => a + b, 0),
          used: d.used,
        })),
        trend: n.trend ? `${n.trend.slope > 0 ? "+" : ""}${perDay(n.trend.slope)} per day over ${n.trend.daysUsed} days (${formatP(n.trend.p)}${n.trend.trending ? "" : ", not significant"})` : null,
        warning: n.warning ?? null,
        method: n.method,
      },
      error: null,
    };
  } catch (err) {
    console.error(`[verdict] novelty for ${e.key} failed:`, err);
    return { view: null, error: (err as Error).message };
  }
}
