// What the experiment page's novelty card shows ("Effect by days since exposure"), as plain
// serialisable data. Types only, so client components may import it (like ./view.ts).
import type { MetricRowView } from "./view";

export interface NoveltyPoint {
  day: number;
  /** treatment − control on that day, in the metric's unit */
  effect: number;
  /** the 95 % band; null when a bound is not finite (too few units that day) */
  band: [number, number] | null;
  units: number;
  /** enters the trend test (≥ 100 units per arm) */
  used: boolean;
}

export interface NoveltyCardView {
  metric: string;
  label: string;
  unit: MetricRowView["unit"];
  control: string;
  treatment: string;
  /** why there is no view (e.g. a percentile primary) */
  unavailable: string | null;
  points: NoveltyPoint[];
  /** the trend in words (slope per day, p), null below two usable days */
  trend: string | null;
  /** set when the effect trends significantly with time since exposure */
  warning: string | null;
  method: string;
}
