// The demo's experiments, one per strategy, each with the story the seed's past days tell (./seed.ts):
// a food-delivery app rolling out real-time order tracking (a canary advanced 5 % → 20 % on healthy
// evidence), high-resolution menu photos (a canary rolled back automatically: pages load slower), an
// A/B test of the checkout button (a significant winner), a search service switched blue → green and
// baked, an API server's rolling deploy stopped at its first, failing batch, and dark mode for admins
// and beta users with its holdback. The automation modes are chosen so nothing moves on its own once
// the seed is done: what can still act (auto-rollback) only rolls back on harm, and none is planted.
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import type { EffectsByVariant } from "@/simulator";

export const DEMO_CANARY = "realtime-tracking";
export const DEMO_SLOW_CANARY = "menu-photos-hd";
export const DEMO_AB = "checkout-button-copy";
export const DEMO_BLUE_GREEN = "search-service-v2";
export const DEMO_ROLLING = "api-v42";
export const DEMO_TOGGLE = "dark-mode";

/**
 * The demo's guardrails: errors may not rise by half (a demo's few hundred users an hour cannot
 * show the default +20 % within two days), load time and feedback at their defaults. The p95 needs
 * far more users than the demo has and is left out.
 */
const RELEASE_GUARDRAILS = [{ metric: "error_rate", promotionMargin: 0.5 }, { metric: "page_load_time" }, { metric: "feedback_score" }];

export const DEMO_EXPERIMENTS = [
  CreateExperimentSchema.parse({
    key: DEMO_CANARY,
    name: "Real-time delivery tracking",
    hypothesis:
      "Showing the courier's live position on a map (instead of status updates every few minutes) makes customers open the app's tracking screen more and rate deliveries higher, " +
      "without raising API errors or slowing the tracking screen: the map streams positions over one WebSocket, so request volume should stay flat.",
    strategy: "canary",
    // rolls back on its own on harm; advancing is a person's call (the seed's operator took it at 5 %)
    automation: "auto-rollback",
    rollout: { stages: [5, 20, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 360 },
    metrics: { guardrails: RELEASE_GUARDRAILS },
    rollbackPlan: { databaseBackwardCompatible: true, notes: "Feature flag only: rolling back hides the map; the positions table stays and is harmless." },
  }),
  CreateExperimentSchema.parse({
    key: DEMO_SLOW_CANARY,
    name: "High-resolution menu photos",
    hypothesis: "Sharper dish photos make the menu more appealing, without slowing the menu screen noticeably.",
    strategy: "canary",
    automation: "auto-rollback",
    rollout: { stages: [10, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 60 },
    rollbackPlan: { databaseBackwardCompatible: true, notes: "Images are served from a separate bucket; rolling back serves the old sizes." },
  }),
  CreateExperimentSchema.parse({
    key: DEMO_AB,
    name: "Checkout button: “Place order” vs “Order now”",
    hypothesis: "A shorter, more direct call to action on the checkout button raises the share of users who engage (place an order or add to basket) in a session.",
    strategy: "ab",
    automation: "manual",
    variants: [
      { key: "control", weight: 0.5, description: "Place order" },
      { key: "treatment", weight: 0.5, description: "Order now" },
    ],
    rollout: { minExposuresPerArm: 100, minDurationMinutes: 60 },
    metrics: { guardrails: RELEASE_GUARDRAILS },
  }),
  CreateExperimentSchema.parse({
    key: DEMO_BLUE_GREEN,
    name: "Search service v2 (blue-green)",
    hypothesis: "The new search cluster (green) answers as reliably and as fast as the current one (blue); verification traffic shows it before the switch, the bake after it.",
    strategy: "blue_green",
    automation: "auto",
    rollout: { minExposuresPerArm: 100, minDurationMinutes: 60, initialLive: "blue", verificationShare: 20, bakeMinutes: 120 },
    metrics: { guardrails: [{ metric: "error_rate", promotionMargin: 0.5 }, { metric: "page_load_time" }] },
    rollbackPlan: { databaseBackwardCompatible: true, notes: "Blue stays deployed during the bake; switching back is one pointer flip." },
  }),
  CreateExperimentSchema.parse({
    key: DEMO_ROLLING,
    name: "API server v42 (rolling)",
    hypothesis: "v42 (connection pooling rewrite) serves requests at least as fast as v41, batch by batch across the fleet.",
    strategy: "rolling",
    automation: "auto",
    rollout: { batchSize: 25, minExposuresPerArm: 100, minDurationMinutes: 30 },
    metrics: { guardrails: [{ metric: "error_rate" }, { metric: "page_load_time" }] },
  }),
  CreateExperimentSchema.parse({
    key: DEMO_TOGGLE,
    name: "Dark mode",
    hypothesis:
      "Dark mode is a toggle for admins and beta users first, then everyone; a 10 % holdback in each group keeps the light theme as the comparison, and the kill switch turns it off without a deploy.",
    strategy: "toggle",
    automation: "manual",
    rollout: {
      groups: [
        { name: "admins and beta users", rule: { attribute: "role", op: "in", values: ["admin", "beta"] }, percentage: 100 },
        { name: "everyone", rule: null, percentage: 100 },
      ],
      holdback: 10,
      minExposuresPerArm: 100,
      minDurationMinutes: 60,
    },
    metrics: { guardrails: RELEASE_GUARDRAILS },
  }),
];

/** What the demo plants: healthy tracking and button copy, slow photos, a slow v42; green is fine. */
export const DEMO_EFFECTS: Record<string, EffectsByVariant> = {
  // the map streams over one WebSocket instead of polling: fewer failed requests
  [DEMO_CANARY]: { treatment: { engagementLift: 0.08, feedbackShift: 0.15, loadTime: 0.98, errorRate: 0.8 } },
  [DEMO_SLOW_CANARY]: { treatment: { loadTime: 1.35 } },
  [DEMO_AB]: { treatment: { engagementLift: 0.2 } },
  [DEMO_BLUE_GREEN]: { green: { loadTime: 0.97 } },
  [DEMO_ROLLING]: { new: { loadTime: 1.4 } },
};
