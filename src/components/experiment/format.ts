// Number formatting for the experiment page: units, effects with intervals, p-values.
import type { Interval, MetricRowView } from "./view";

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

function bound(x: number | null, f: (n: number) => string): string {
  return x === null || !Number.isFinite(x) ? "∞" : f(x);
}

export function formatAbsolute(i: Interval | null, unit: MetricRowView["unit"]): string {
  if (!i) return "–";
  const f = (n: number) => (unit === "share" ? `${(n * 100).toFixed(2)} pp` : unit === "ms" ? `${n.toFixed(0)} ms` : n.toFixed(3));
  const sign = (n: number) => (n > 0 ? "+" : "");
  return `${sign(i.estimate)}${f(i.estimate)} [${bound(i.lower, f)}, ${bound(i.upper, f)}]`;
}

export function formatRelative(i: Interval | null): string {
  if (!i || !Number.isFinite(i.estimate)) return "–";
  const f = (n: number) => `${(n * 100).toFixed(1)} %`;
  return `${i.estimate > 0 ? "+" : ""}${f(i.estimate)} [${bound(i.lower, f)}, ${bound(i.upper, f)}]`;
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
