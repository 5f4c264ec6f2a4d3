// Test-only: simulated users reduced to the per-arm summary statistics the results pipeline hands to
// decide() (no HTTP, no stores), so rules and calibration can be checked on thousands of rollouts.
// Users have several requests and page views (clustered: each user has their own speed factor), a
// per-request error probability, log-normal load times, engagement and occasional 1–5 feedback.
import { mulberry32, normalSource } from "../analysis/random";
import type { ArmInput } from "@/server/evidence";
import type { DecisionInputs, MetricInput } from "@/server/decisions/types";

export interface ArmEffect {
  errorRate: number; // per request
  loadMedianMs: number;
  engagement: number; // probability of ≥ 1 engagement
  feedbackMean: number; // mean rating of raters (1–5)
}

/** One simulated user's data: errors of requests, page-load times, engagement, an optional rating. */
export interface SimUser {
  err: number;
  req: number;
  loads: number[];
  engaged: boolean;
  rating: number | null;
}

export const HEALTHY: ArmEffect = { errorRate: 0.01, loadMedianMs: 800, engagement: 0.3, feedbackMean: 4 };

const P95_GRID = [-0.04, -0.02, -0.01, -0.005, -0.0025, -0.001, 0, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04].map((d) => 0.95 + d);

export class SimArm {
  users = 0;
  requests = { sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 };
  load = { sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 };
  engaged = 0;
  feedback = { n: 0, sum: 0, sumSquares: 0 };
  private views = new Float64Array(1024);
  private viewCount = 0;
  private viewsPerUser: number[] = [];
  private sorted = new Float64Array(0);
  perUserMeanLoad: number[] = [];

  constructor(
    readonly effect: ArmEffect,
    private readonly rand: () => number,
    private readonly normal: () => number,
  ) {}

  private poisson(mean: number): number {
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.rand();
    } while (p > l);
    return k - 1;
  }

  addUsers(n: number): void {
    for (let i = 0; i < n; i++) this.addUser();
  }

  addUser(): void {
    this.addRecord(this.drawUser());
  }

  /** One simulated user of this arm's effect, not yet added (segment simulations add it to several arms). */
  drawUser(): SimUser {
    const e = this.effect;
    const req = 1 + this.poisson(7);
    let err = 0;
    for (let r = 0; r < req; r++) if (this.rand() < e.errorRate) err++;
    const views = 1 + this.poisson(3);
    const speed = Math.exp(0.25 * this.normal());
    const loads: number[] = [];
    for (let v = 0; v < views; v++) loads.push(e.loadMedianMs * speed * Math.exp(0.5 * this.normal()));
    const engaged = this.rand() < e.engagement;
    const rating = this.rand() < 0.15 ? Math.min(5, Math.max(1, Math.round(e.feedbackMean + 0.9 * this.normal()))) : null;
    return { err, req, loads, engaged, rating };
  }

  addRecord(u: SimUser): void {
    this.users++;
    add(this.requests, u.err, u.req);
    let total = 0;
    for (const t of u.loads) {
      if (this.viewCount === this.views.length) {
        const grown = new Float64Array(this.views.length * 2);
        grown.set(this.views);
        this.views = grown;
      }
      this.views[this.viewCount++] = t;
      total += t;
    }
    this.viewsPerUser.push(u.loads.length);
    this.perUserMeanLoad.push(total / u.loads.length);
    add(this.load, total, u.loads.length);
    if (u.engaged) this.engaged++;
    if (u.rating !== null) {
      this.feedback.n++;
      this.feedback.sum += u.rating;
      this.feedback.sumSquares += u.rating * u.rating;
    }
  }

  /** Clustered p95 summary: quantile grid over all views, indicator counts per user. */
  p95(): ArmInput {
    const sorted = this.sortedViews();
    const q = (level: number) => {
      const h = (sorted.length - 1) * level;
      const lo = Math.floor(h);
      return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
    };
    const estimate = q(0.95);
    const indicator = { n: this.users, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 };
    let offset = 0;
    for (const count of this.viewsPerUser) {
      let below = 0;
      for (let j = 0; j < count; j++) if (this.views[offset + j] <= estimate) below++;
      offset += count;
      add(indicator, below, count);
    }
    return { kind: "percentile", level: 0.95, estimate, indicator, quantiles: P95_GRID.map((level) => ({ level, value: q(level) })) };
  }

  /** All views sorted: the views added since the last call are sorted and merged in (O(n) per look). */
  private sortedViews(): Float64Array {
    const old = this.sorted;
    const fresh = this.views.slice(old.length, this.viewCount).sort();
    const out = new Float64Array(this.viewCount);
    let i = 0;
    let j = 0;
    for (let k = 0; k < out.length; k++) out[k] = j >= fresh.length || (i < old.length && old[i] <= fresh[j]) ? old[i++] : fresh[j++];
    this.sorted = out;
    return out;
  }

  stats(): Record<string, ArmInput> {
    return {
      error_rate: { kind: "ratio", n: this.users, ...this.requests },
      page_load_time: { kind: "ratio", n: this.users, ...this.load },
      page_load_p95: this.p95(),
      feedback_score: { kind: "mean", ...this.feedback },
      engagement_rate: { kind: "proportion", n: this.users, successes: this.engaged },
    };
  }
}

function add(r: { sumX: number; sumY: number; sumX2: number; sumY2: number; sumXY: number }, x: number, y: number): void {
  r.sumX += x;
  r.sumY += y;
  r.sumX2 += x * x;
  r.sumY2 += y * y;
  r.sumXY += x * y;
}

const DIRECTIONS: Record<string, MetricInput["direction"]> = {
  error_rate: "lower_is_better",
  page_load_time: "lower_is_better",
  page_load_p95: "lower_is_better",
  feedback_score: "higher_is_better",
  engagement_rate: "higher_is_better",
};

export function simRandom(seed: number): { rand: () => number; normal: () => number } {
  const rand = mulberry32(seed);
  return { rand, normal: normalSource(rand) };
}

/** The metrics part of DecisionInputs from simulated arms. */
export function metricsOf(arms: Record<string, SimArm>): Record<string, MetricInput> {
  const per = Object.fromEntries(Object.entries(arms).map(([k, a]) => [k, a.stats()]));
  const out: Record<string, MetricInput> = {};
  for (const metric of Object.keys(DIRECTIONS)) {
    out[metric] = { direction: DIRECTIONS[metric], arms: Object.fromEntries(Object.entries(per).map(([k, s]) => [k, s[metric]])) };
  }
  return out;
}

/** A running canary's inputs at `minutes` into its stage, from simulated arms. */
export function canaryInputs(
  arms: { control: SimArm; treatment: SimArm },
  opts: { stage?: number; stageIndex?: number; minutes?: number; stageExposures?: Record<string, number>; carried?: Record<string, number> } = {},
): DecisionInputs {
  const start = Date.parse("2026-01-01T00:00:00Z");
  const exposures = { control: arms.control.users, treatment: arms.treatment.users };
  return {
    experiment: {
      key: "sim",
      strategy: "canary",
      status: "running",
      version: 1,
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
      control: "control",
      treatment: "treatment",
      stageIndex: opts.stageIndex ?? 0,
      stages: [5, 20, 50, 100],
      exposure: opts.stage ?? 5,
      live: null,
    },
    evaluatedAt: new Date(start + (opts.minutes ?? 120) * 60_000).toISOString(),
    startedAt: new Date(start).toISOString(),
    stageStartedAt: new Date(start).toISOString(),
    exposures,
    stageExposures: opts.stageExposures ?? exposures,
    metrics: metricsOf(arms),
    carried: opts.carried ?? {},
  };
}
