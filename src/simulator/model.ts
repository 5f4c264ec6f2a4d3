// The traffic model: what one unit (a user, or a server instance in a rolling deploy) does while it
// is served a variant. Pure: a seeded Random in, a list of events out.
//
//   sessions      1 + Poisson(sessionsPerUser - 1)
//   page views    per session 1 + Poisson(pageViewsPerSession - 1); each has a log-normal load time
//   requests      per page view 1 + Poisson(requestsPerPageView - 1); each fails with errorRate
//   engagement    per session Poisson(engagementsPerSession)
//   feedback      once per user with feedbackProbability, a 1–5 rating around feedbackMean
import type { VariantEffects } from "./effects";
import type { Random } from "./random";

export interface TrafficProfile {
  sessionsPerUser: number;
  pageViewsPerSession: number;
  requestsPerPageView: number;
  /** probability that one API request fails */
  errorRate: number;
  loadTimeMedianMs: number;
  /** shape of the log-normal (sigma of log load time) */
  loadTimeSigma: number;
  engagementsPerSession: number;
  feedbackProbability: number;
  feedbackMean: number;
  feedbackSd: number;
}

/** A food-delivery app's users: a few sessions, a handful of screens each, some API calls per screen. */
export const USER_PROFILE: TrafficProfile = {
  sessionsPerUser: 3,
  pageViewsPerSession: 2.5,
  requestsPerPageView: 2,
  errorRate: 0.01,
  loadTimeMedianMs: 850,
  loadTimeSigma: 0.45,
  engagementsPerSession: 0.3,
  feedbackProbability: 0.12,
  feedbackMean: 4.1,
  feedbackSd: 0.9,
};

/** A server instance in a rolling deploy: one long stream of requests per round of traffic. */
export const INSTANCE_PROFILE: TrafficProfile = {
  sessionsPerUser: 1,
  pageViewsPerSession: 60,
  requestsPerPageView: 3,
  errorRate: 0.01,
  loadTimeMedianMs: 180,
  loadTimeSigma: 0.35,
  engagementsPerSession: 0,
  feedbackProbability: 0,
  feedbackMean: 4,
  feedbackSd: 1,
};

export type SimEventType = "page_load" | "request" | "error" | "engagement" | "feedback";

export interface SimEvent {
  type: SimEventType;
  value?: number;
  properties?: Record<string, string | number | boolean>;
}

const PAGES = ["tracking", "menu", "checkout", "orders"] as const;
const ERROR_CODES = ["HTTP_500", "HTTP_503", "TIMEOUT"] as const;

function atLeastOne(rng: Random, mean: number): number {
  return 1 + rng.poisson(Math.max(0, mean - 1));
}

/** Everything one unit does while served a variant with these effects. */
export function unitTraffic(rng: Random, profile: TrafficProfile, effects: VariantEffects = {}): SimEvent[] {
  const errorRate = Math.min(1, profile.errorRate * (effects.errorRate ?? 1));
  const loadFactor = effects.loadTime ?? 1;
  const engagement = profile.engagementsPerSession * (1 + (effects.engagementLift ?? 0));
  const events: SimEvent[] = [];
  const sessions = atLeastOne(rng, profile.sessionsPerUser);
  for (let s = 0; s < sessions; s++) {
    const views = atLeastOne(rng, profile.pageViewsPerSession);
    for (let v = 0; v < views; v++) {
      const page = PAGES[Math.floor(rng.next() * PAGES.length)];
      events.push({ type: "page_load", value: Math.round(rng.logNormal(profile.loadTimeMedianMs, profile.loadTimeSigma) * loadFactor), properties: { page } });
      const requests = atLeastOne(rng, profile.requestsPerPageView);
      for (let r = 0; r < requests; r++) {
        events.push({ type: "request", properties: { page } });
        if (rng.bernoulli(errorRate)) events.push({ type: "error", properties: { page, code: ERROR_CODES[Math.floor(rng.next() * ERROR_CODES.length)] } });
      }
    }
    const engagements = rng.poisson(Math.max(0, engagement));
    for (let e = 0; e < engagements; e++) events.push({ type: "engagement", properties: { action: "opened_live_map" } });
  }
  if (rng.bernoulli(profile.feedbackProbability)) {
    const score = Math.round(profile.feedbackMean + (effects.feedbackShift ?? 0) + profile.feedbackSd * rng.normal());
    events.push({ type: "feedback", value: Math.min(5, Math.max(1, score)) });
  }
  return events;
}
