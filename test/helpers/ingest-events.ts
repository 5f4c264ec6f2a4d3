// Realistic event batches for ingestion tests and bench/ingest.ts: the mix a tracking page sends
// (an exposure, page loads, requests, the odd error, engagement, feedback and a business metric).
import { randomUUID } from "node:crypto";

export interface GeneratedEvent {
  id: string;
  type: string;
  userId: string;
  timestamp: string;
  experiment?: string;
  variant?: string;
  name?: string;
  value?: number;
  properties?: Record<string, string | number | boolean>;
}

const REGIONS = ["eu", "us", "apac"];
const PAGES = ["tracking", "orders", "home", "checkout"];

/** `n` events of `users` users; exposures name `experiment` with its control/treatment variants. */
export function eventBatch(n: number, opts: { experiment: string; users?: number; seed?: number; now?: number } = { experiment: "realtime-tracking" }): GeneratedEvent[] {
  const users = opts.users ?? 10_000;
  const now = opts.now ?? Date.now();
  let s = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: GeneratedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const user = `u${Math.floor(rand() * users)}`;
    const base = { id: randomUUID(), userId: user, timestamp: new Date(now - Math.floor(rand() * 60_000)).toISOString() };
    const k = i % 10;
    const props = { page: PAGES[i % PAGES.length], region: REGIONS[i % REGIONS.length] };
    if (k === 0) out.push({ ...base, type: "exposure", experiment: opts.experiment, variant: rand() < 0.5 ? "control" : "treatment" });
    else if (k < 4) out.push({ ...base, type: "page_load", value: Math.round(200 + rand() * 1500), properties: props });
    else if (k < 7) out.push({ ...base, type: "request", properties: { route: "/api/track", status: 200 } });
    else if (k === 7) out.push({ ...base, type: rand() < 0.2 ? "error" : "engagement", properties: { code: "TIMEOUT", retry: false } });
    else if (k === 8) out.push({ ...base, type: "feedback", value: 1 + Math.floor(rand() * 5) });
    else out.push({ ...base, type: "metric", name: "orders_placed", value: 1 + Math.floor(rand() * 3), properties: props });
  }
  return out;
}
