// The demo's experiments: a food-delivery app rolling out real-time order tracking (a canary), an
// A/B test of the checkout button, and a toggle widened group by group. All manual, so the demo
// never rolls itself forward or back while someone is looking at it.
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import type { EffectsByVariant } from "@/simulator";

export const DEMO_CANARY = "realtime-tracking";

export const DEMO_EXPERIMENTS = [
  CreateExperimentSchema.parse({
    key: DEMO_CANARY,
    name: "Real-time delivery tracking",
    hypothesis:
      "Showing the courier's live position on a map (instead of status updates every few minutes) makes customers open the app's tracking screen more and rate deliveries higher, " +
      "without raising API errors or slowing the tracking screen: the map streams positions over one WebSocket, so request volume should stay flat.",
    strategy: "canary",
    automation: "manual",
    rollout: { stages: [10, 25, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 60 },
    rollbackPlan: { databaseBackwardCompatible: true, notes: "Feature flag only: rolling back hides the map; the positions table stays and is harmless." },
  }),
  CreateExperimentSchema.parse({
    key: "checkout-button-copy",
    name: "Checkout button: “Place order” vs “Order now”",
    hypothesis: "A shorter, more direct call to action on the checkout button raises the share of users who engage (place an order or add to basket) in a session.",
    strategy: "ab",
    automation: "manual",
    variants: [
      { key: "control", weight: 0.5, description: "Place order" },
      { key: "treatment", weight: 0.5, description: "Order now" },
    ],
    rollout: { minExposuresPerArm: 100, minDurationMinutes: 60 },
  }),
  CreateExperimentSchema.parse({
    key: "dark-mode",
    name: "Dark mode",
    hypothesis: "Dark mode is a toggle: staff first, then beta testers, then everyone; the kill switch turns it off without a deploy if the new theme breaks a screen.",
    strategy: "toggle",
    automation: "manual",
    rollout: {
      groups: [
        { name: "staff", rule: { attribute: "role", op: "eq", value: "staff" }, percentage: 100 },
        { name: "beta testers", rule: { attribute: "role", op: "in", values: ["staff", "beta"] }, percentage: 100 },
        { name: "everyone", rule: null, percentage: 100 },
      ],
      minExposuresPerArm: 100,
      minDurationMinutes: 60,
    },
  }),
];

/** Mild, healthy effects: what a good release looks like on the dashboard. */
export const DEMO_EFFECTS: Record<string, EffectsByVariant> = {
  [DEMO_CANARY]: { treatment: { engagementLift: 0.08, feedbackShift: 0.15, loadTime: 0.98 } },
  "checkout-button-copy": { treatment: { engagementLift: 0.05 } },
};
