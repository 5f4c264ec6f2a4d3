// Number formatting for the experiment page: units, effects with intervals, p-values.
import type { Interval, MetricRowView } from "@/server/dashboard/view";

export function formatValue(v: number | null, unit: MetricRowView["unit"]): string {
  if (v === null || !Number.isFinite(v)) return "–";
  switch (unit) {
    case "share":
      return `${(v * 100).toFixed(2)} %`;
    case "ms":
      return `${v.toFixed(0)} ms`;
    case "score":
      return v.toFixed(2);
    default:
      return v.toFixed(3);
  }
}

const finiteBound = (x: number | null): x is number => x !== null && Number.isFinite(x);

/** True when an interval has a bound that is missing or infinite (shown as "unbounded"). */
export function isUnbounded(i: Interval | null): boolean {
  return i !== null && (!finiteBound(i.lower) || !finiteBound(i.upper));
}

/** Tooltip of an unbounded interval. */
export const UNBOUNDED_TITLE = "The interval is unbounded: the data cannot bound the effect yet (too few units, or no variation to estimate a variance).";

function withInterval(i: Interval, f: (n: number) => string): string {
  const point = `${i.estimate > 0 ? "+" : ""}${f(i.estimate)}`;
  // never "[∞, ∞]": an interval without both bounds is named for what it is
  return isUnbounded(i) ? `${point} [unbounded]` : `${point} [${f(i.lower as number)}, ${f(i.upper as number)}]`;
}

export function formatAbsolute(i: Interval | null, unit: MetricRowView["unit"]): string {
  if (!i || !Number.isFinite(i.estimate)) return "–";
  const f = (n: number) => (unit === "share" ? `${(n * 100).toFixed(2)} pp` : unit === "ms" ? `${n.toFixed(0)} ms` : n.toFixed(3));
  return withInterval(i, f);
}

export function formatRelative(i: Interval | null): string {
  if (!i || !Number.isFinite(i.estimate)) return "–";
  return withInterval(i, (n) => `${(n * 100).toFixed(1)} %`);
}

export function formatP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return "–";
  if (p < 0.0001) return "< 0.0001";
  return p.toFixed(4);
}

export function formatWhen(iso: string | null): string {
  if (!iso) return "–";
  return new Date(iso).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Request time for server components (rendered once per request, so "impure" is what we want). */
export function requestTime(): number {
  return Date.now();
}
