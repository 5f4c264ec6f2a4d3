/* eslint-disable @typescript-eslint/no-explicit-any -- route responses are asserted field by field */
// A healthy canary rehearsed end to end with the simulator (see test/helpers/rollouts.ts): in `auto`
// mode it advances through every stage to 100 % and completes; the treatment becomes the default.
import { beforeAll, describe, expect, it } from "vitest";
import { setupStores } from "./helpers/app";
import { createRunning, rehearse, served, trace } from "./helpers/rollouts";

beforeAll(setupStores);

const canary = (key: string) => ({
  key,
  name: key,
  strategy: "canary",
  automation: "auto",
  rollout: { stages: [5, 20, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 0 },
});

describe("canary rollouts with simulated traffic", () => {
  it("advances a healthy canary that lifts engagement through every stage to 100 % and completes it", async () => {
    await createRunning(canary("healthy-lift"));
    const decisions: any[] = [];
    let experiment: any;
    let firstUser = 0;
    // Stage 5 % needs the evidence (guardrails must rule out their promotion margins); later stages
    // keep it (users stay in) and need only their minimum exposures, so their batches are smaller.
    for (const [stage, batchSize] of [
      [5, 3000],
      [20, 1000],
      [50, 500],
    ] as const) {
      const run = await rehearse({
        experiment: "healthy-lift",
        users: 150_000,
        batchSize,
        firstUser,
        seed: stage,
        userPrefix: "ok-",
        onlyExposed: true,
        // a "rate your delivery" prompt after every order (a third of users answer it), a tracking
        // screen that polls the API, and 2 % of requests failing on mobile networks
        profile: { feedbackProbability: 0.35, requestsPerPageView: 3, errorRate: 0.02 },
        // a healthy release: more engagement, and no worse (slightly better) on every guardrail
        effects: { treatment: { engagementLift: 0.1, errorRate: 0.9, loadTime: 0.98, feedbackShift: 0.05 } },
        until: (e) => e.state.exposure !== stage,
      });
      decisions.push(...run.decisions);
      experiment = run.experiment;
      firstUser += run.report.users;
      expect(experiment.state.exposure, `stuck at stage ${stage}: ${trace(run.decisions)}`).not.toBe(stage);
    }
    expect(experiment.status, trace(decisions)).toBe("completed");
    expect(experiment.state).toMatchObject({ exposure: 100, shipped: "treatment" });
    const promotions = decisions.filter((d) => d.recommendation === "promote");
    expect(promotions.map((d) => [d.stage, d.action])).toEqual([
      [5, "advanced to 20 %"],
      [20, "advanced to 50 %"],
      [50, "completed: treatment is the new default"],
    ]);
    expect(decisions.some((d) => d.recommendation === "rollback")).toBe(false);
    const after = await served(
      "healthy-lift",
      Array.from({ length: 500 }, (_, i) => `later-${i}`),
    );
    expect(after.every((a) => a.variant === "treatment")).toBe(true);
  });
});
