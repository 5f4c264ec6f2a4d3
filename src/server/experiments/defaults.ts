// Sensible defaults per strategy, as a release manager would set them by hand.
import type { Strategy } from "@/sdk/types";

export const DEFAULT_CANARY_STAGES = [5, 20, 50, 100];
export const DEFAULT_BATCH_SIZE = 25;

export function defaultVariants(strategy: Strategy): { key: string; weight: number }[] {
  switch (strategy) {
    case "blue_green":
      return [
        { key: "blue", weight: 0.5 },
        { key: "green", weight: 0.5 },
      ];
    case "toggle":
      return [
        { key: "off", weight: 0.5 },
        { key: "on", weight: 0.5 },
      ];
    case "rolling":
      return [
        { key: "stable", weight: 0.5 },
        { key: "new", weight: 0.5 },
      ];
    default:
      return [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ];
  }
}

/**
 * Whether an experiment promotes on "no harm" alone. One default for the API and the form: a
 * release (canary, blue-green, rolling, toggle) is a safety rollout; an A/B test needs a winner.
 */
export function defaultSafetyRollout(strategy: Strategy): boolean {
  return strategy !== "ab";
}

export function defaultHashAttribute(strategy: Strategy): string {
  return strategy === "rolling" ? "instanceId" : "userId";
}

/** Exposure (percent) at the first stage of a strategy's rollout. */
export function initialExposure(strategy: Strategy, rollout: { stages?: number[]; coverage?: number; batchSize?: number; groups?: { percentage: number }[] }): number {
  switch (strategy) {
    case "canary":
      return (rollout.stages ?? DEFAULT_CANARY_STAGES)[0];
    case "rolling":
      return rollout.batchSize ?? DEFAULT_BATCH_SIZE;
    case "ab":
      return rollout.coverage ?? 100;
    case "toggle":
      return rollout.groups?.[0]?.percentage ?? 100;
    case "blue_green":
      return 100;
  }
}

export const DEFAULT_TOGGLE_HOLDBACK = 10;
export const DEFAULT_BAKE_MINUTES = 30;
export const DEFAULT_VERIFICATION_SHARE = 5;

/**
 * toggle: percent of each released group held back on the old behaviour (the comparison group).
 * Absent (experiments stored before holdbacks existed) means 0, so an upgrade never switches off
 * users a running toggle already serves; new experiments get the default filled in at creation.
 */
export function toggleHoldback(e: { strategy: Strategy; rollout: { holdback?: number } }): number {
  return e.strategy === "toggle" ? (e.rollout.holdback ?? 0) : 0;
}

/** blue_green: percent of identified traffic verifying the idle side (absent: 0, as before it existed). */
export function verificationShare(e: { strategy: Strategy; rollout: { verificationShare?: number } }): number {
  return e.strategy === "blue_green" ? (e.rollout.verificationShare ?? 0) : 0;
}

export function bakeMinutes(e: { rollout: { bakeMinutes?: number } }): number {
  return e.rollout.bakeMinutes ?? DEFAULT_BAKE_MINUTES;
}

/** The defaults a new experiment gets: a toggle's holdback, a blue-green's verification share (some traffic must verify the idle side when no targeting does) and bake. */
export function withCreationDefaults<R extends { holdback?: number; verificationShare?: number; bakeMinutes?: number }>(strategy: Strategy, targeting: unknown, rollout: R): R {
  if (strategy === "toggle") return { ...rollout, holdback: rollout.holdback ?? DEFAULT_TOGGLE_HOLDBACK };
  if (strategy === "blue_green")
    return { ...rollout, verificationShare: rollout.verificationShare ?? (targeting ? 0 : DEFAULT_VERIFICATION_SHARE), bakeMinutes: rollout.bakeMinutes ?? DEFAULT_BAKE_MINUTES };
  return rollout;
}
