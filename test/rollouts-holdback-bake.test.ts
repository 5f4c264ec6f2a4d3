/* eslint-disable @typescript-eslint/no-explicit-any -- route responses are asserted field by field */
// Toggles with targeting and blue-green releases reach a real decision on default setups: simulated
// traffic through the public API, evaluations and actions through the route handlers, what units
// are served checked through POST /api/v1/assign. Toggle: the holdback of each group is the
// comparison. Blue-green: verification traffic on the idle side before the switch, then a bake that
// pairs the same users before and after the switch and switches back on a breach.
import { beforeAll, describe, expect, it } from "vitest";
import * as promote from "@/app/api/v1/experiments/[key]/promote/route";
import { call, setupStores } from "./helpers/app";
import { createRunning, getExperimentBody, rehearse, served, trace } from "./helpers/rollouts";

beforeAll(setupStores);

const ADMINS_AND_BETA = [
  { name: "admins", rule: { attribute: "role", op: "eq", value: "admin" } },
  { name: "beta users", rule: { attribute: "beta", op: "eq", value: true } },
];
const people = (_i: number, rng: { next(): number }) => ({ role: rng.next() < 0.5 ? "admin" : "customer", beta: rng.next() < 0.3 });
const noEta = (d: any) => {
  for (const r of d.reasons) {
    expect(r.message, r.code).not.toMatch(/≈|at the current traffic/);
    if (r.evidence && "etaMinutes" in r.evidence) expect(r.evidence.etaMinutes, r.code).toBeNull();
  }
};

describe("toggle for admins and beta users (default holdback)", () => {
  it("promotes to the next group on healthy evidence, comparing the group's on users with its holdback", async () => {
    await createRunning({
      key: "dark-mode-holdback",
      name: "Dark mode",
      strategy: "toggle",
      automation: "manual",
      rollout: { groups: ADMINS_AND_BETA, minExposuresPerArm: 100, minDurationMinutes: 0 },
      metrics: { guardrails: [{ metric: "page_load_time", promotionMargin: 0.1 }] },
    });
    const run = await rehearse({ experiment: "dark-mode-holdback", users: 30_000, batchSize: 2500, seed: 41, userPrefix: "dm-", attributes: people, until: (_e, d) => d.recommendation !== "hold" });
    const last = run.decisions.at(-1);
    expect(last.recommendation, trace(run.decisions)).toBe("promote");
    // the holdback is ~10 % of the admins, exposed on "off"; nobody outside the group is exposed
    const { on, off } = last.inputs.exposures;
    expect(off / (on + off)).toBeGreaterThan(0.07);
    expect(off / (on + off)).toBeLessThan(0.13);
    expect(last.reasons.map((r: any) => r.code)).toContain("guardrails_healthy");
    const widened = await call(promote.POST, { params: { key: "dark-mode-holdback" }, body: { reason: "admins fine" } });
    expect(widened.body.experiment.state.stageIndex).toBe(1);
  });

  it("rolls back on planted harm in the on users", async () => {
    await createRunning({
      key: "toggle-harm",
      name: "Toggle with a bug",
      strategy: "toggle",
      rollout: { groups: ADMINS_AND_BETA, minExposuresPerArm: 100, minDurationMinutes: 0 },
      metrics: { guardrails: [{ metric: "error_rate" }, { metric: "page_load_time" }] },
    });
    const run = await rehearse({
      experiment: "toggle-harm",
      users: 30_000,
      batchSize: 2500,
      seed: 42,
      userPrefix: "th-",
      attributes: people,
      effects: { on: { loadTime: 1.3 } },
      until: (_e, d) => d.recommendation !== "hold",
    });
    const last = run.decisions.at(-1);
    expect(last.recommendation, trace(run.decisions)).toBe("rollback");
    expect(run.experiment.status).toBe("rolled_back"); // auto-rollback, the default
    expect((await served("toggle-harm", ["th-1", "th-2", "th-3"])).every((a) => a.variant === "off" && !a.exposed)).toBe(true);
  });

  it("with holdback 0 says there is no comparison, and without limits says what to change, with no ETA", async () => {
    await createRunning({
      key: "toggle-no-holdback",
      name: "No holdback",
      strategy: "toggle",
      automation: "manual",
      rollout: { groups: ADMINS_AND_BETA, holdback: 0, minExposuresPerArm: 100, minDurationMinutes: 0 },
    });
    const run = await rehearse({ experiment: "toggle-no-holdback", users: 300, batchSize: 300, seed: 43, userPrefix: "tn-", attributes: people, until: () => true });
    const d = run.decisions.at(-1);
    expect(d.recommendation).toBe("hold");
    expect(d.reasons.find((r: any) => r.code === "no_comparison")?.evidence).toMatchObject({ comparison: "none", holdback: 0 });
    expect(d.reasons.find((r: any) => r.code === "arm_cannot_fill")?.message).toMatch(/rollout\.holdback/);
    noEta(d);
  });
});

describe("blue-green with verification and bake", () => {
  it("default setup (no targeting): a verification share reaches the idle side, and planted harm there is a rollback", async () => {
    await createRunning({
      key: "bg-default",
      name: "Blue-green, defaults",
      strategy: "blue_green",
      rollout: { minExposuresPerArm: 100, minDurationMinutes: 0 },
      metrics: { guardrails: [{ metric: "error_rate" }, { metric: "page_load_time" }] },
    });
    const run = await rehearse({
      experiment: "bg-default",
      users: 40_000,
      batchSize: 4000,
      seed: 51,
      userPrefix: "bgd-",
      effects: { green: { loadTime: 1.4 } },
      until: (_e, d) => d.recommendation !== "hold",
    });
    const last = run.decisions.at(-1);
    expect(last.recommendation, trace(run.decisions)).toBe("rollback");
    expect(last.reasons.map((r: any) => r.code)).toEqual(expect.arrayContaining(["guardrail_harm", "verification_failed"]));
    expect(run.report.served.green / run.report.users).toBeGreaterThan(0.03); // 5 % by default
    expect(run.experiment).toMatchObject({ status: "rolled_back", state: { live: "blue" } });
  });

  it("without any verification traffic the hold says what to change and promises no ETA", async () => {
    await createRunning({
      key: "bg-idle",
      name: "Idle never verified",
      strategy: "blue_green",
      automation: "manual",
      rollout: { verificationShare: 0, minExposuresPerArm: 100, minDurationMinutes: 0 },
    });
    const run = await rehearse({ experiment: "bg-idle", users: 60, batchSize: 60, seed: 52, userPrefix: "bgi-", until: () => true });
    const d = run.decisions.at(-1);
    expect(d.recommendation).toBe("hold");
    expect(d.reasons[0]).toMatchObject({ code: "arm_cannot_fill", variant: "green" });
    expect(d.reasons[0].message).toMatch(/verificationShare/);
    noEta(d);
  });

  it("switches on verified evidence, bakes the same users against their baseline, and switches back on a breach", async () => {
    await createRunning({
      key: "bg-bake",
      name: "Blue-green with a bake",
      strategy: "blue_green",
      automation: "auto-rollback",
      rollout: { verificationShare: 20, bakeMinutes: 30, minExposuresPerArm: 100, minDurationMinutes: 0 },
      metrics: { guardrails: [{ metric: "page_load_time", promotionMargin: 0.1 }] },
    });
    const verify = await rehearse({ experiment: "bg-bake", users: 30_000, batchSize: 3000, seed: 53, userPrefix: "bgb-", until: (_e, d) => d.recommendation !== "hold" });
    const ready = verify.decisions.at(-1);
    expect(ready.recommendation, trace(verify.decisions)).toBe("promote");
    expect(ready.reasons[0].code).toBe("switch_recommended");
    const switched = await call(promote.POST, { params: { key: "bg-bake" }, body: { reason: "verified" } });
    expect(switched.body.experiment).toMatchObject({ status: "running", state: { live: "green", phase: "bake", previousLive: "blue" } });
    expect((await served("bg-bake", ["bgb-1", "bgb-2", "bgb-3", "bgb-4"])).every((a) => a.variant === "green")).toBe(true);

    // the same users after the switch, 25 % slower on green
    const bake = await rehearse({
      experiment: "bg-bake",
      users: 3000,
      batchSize: 1000,
      seed: 54,
      userPrefix: "bgb-",
      effects: { green: { loadTime: 1.25 } },
      until: (_e, d) => d.recommendation !== "hold",
    });
    const breach = bake.decisions.at(-1);
    expect(breach.recommendation, trace(bake.decisions)).toBe("rollback");
    const harm = breach.reasons.find((r: any) => r.code === "guardrail_harm");
    expect(harm.evidence).toMatchObject({ paired: true, before: { variant: "blue" }, after: { variant: "green" } });
    expect(harm.evidence.pairedUsers).toBeGreaterThan(100);
    expect(harm.message).toMatch(/not randomised/);
    expect(bake.experiment).toMatchObject({ status: "rolled_back", state: { live: "blue" } });
    expect((await served("bg-bake", ["bgb-1", "bgb-2", "bgb-3", "bgb-4"])).every((a) => a.variant === "blue")).toBe(true);
  });

  it("a healthy bake finishes the release once the bake period has passed", async () => {
    await createRunning({
      key: "bg-bake-ok",
      name: "Blue-green, healthy bake",
      strategy: "blue_green",
      automation: "auto",
      rollout: { verificationShare: 20, bakeMinutes: 0.05, minExposuresPerArm: 100, minDurationMinutes: 0 },
      metrics: { guardrails: [{ metric: "page_load_time", promotionMargin: 0.1 }] },
    });
    const verify = await rehearse({ experiment: "bg-bake-ok", users: 30_000, batchSize: 3000, seed: 55, userPrefix: "bgo-", until: (e) => e.state.phase === "bake" });
    expect(verify.experiment.state, trace(verify.decisions)).toMatchObject({ live: "green", phase: "bake" });
    await new Promise((r) => setTimeout(r, 3500)); // the 3-second bake
    const bake = await rehearse({ experiment: "bg-bake-ok", users: 3000, batchSize: 1500, seed: 56, userPrefix: "bgo-", until: (_e, d) => d.recommendation !== "hold" });
    const done = bake.decisions.at(-1);
    expect(done.recommendation, trace(bake.decisions)).toBe("promote");
    expect(done.reasons[0].code).toBe("bake_passed");
    const final = await getExperimentBody("bg-bake-ok");
    expect(final).toMatchObject({ status: "promoted", state: { live: "green", shipped: "green" } });
  });
});
