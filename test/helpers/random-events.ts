/* eslint-disable @typescript-eslint/no-explicit-any -- events are plain rows */
// A random KPI event of a user, as the rollup's random-interleaving tests draw them (the same draws
// in the same order, so a seed gives the same events in every test that uses it).
const HOUR = 3_600_000;

export type MakeEvent = (type: string, user: string, at: number, extra?: Record<string, unknown>) => any;

/** Any KPI type the built-in metrics read, timed within [t0 − 2 h, t0 + 38 h), or a revenue metric event. */
export function randomKpiEvent(rand: () => number, ev: MakeEvent, user: string, t0: number): any {
  const at = t0 + Math.floor(rand() * 40 * HOUR) - 2 * HOUR;
  const r = rand();
  if (r < 0.25) return ev("page_load", user, at, { value: 100 + Math.floor(rand() * 2000) });
  if (r < 0.45) return ev("request", user, at);
  if (r < 0.55) return ev("error", user, at);
  if (r < 0.75) return ev("engagement", user, at);
  if (r < 0.85) return ev("feedback", user, at, { value: 1 + Math.floor(rand() * 5) });
  return ev("metric", user, at, { name: "revenue", value: Math.floor(rand() * 40) / 4 });
}
