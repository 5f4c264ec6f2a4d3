/* eslint-disable @typescript-eslint/no-explicit-any -- route responses are asserted field by field */
// Blue-green, rolling and toggle releases rehearsed end to end: simulated traffic through the public
// API, evaluations and actions through the API's route handlers, and what every unit is served
// checked through POST /api/v1/assign after each step.
import { beforeAll, describe, expect, it } from "vitest";
import * as kill from "@/app/api/v1/experiments/[key]/kill/route";
import * as promote from "@/app/api/v1/experiments/[key]/promote/route";
import * as switchLive from "@/app/api/v1/experiments/[key]/switch/route";
import * as assignRoute from "@/app/api/v1/assign/route";
import { listAudit } from "@/server/audit/list";
import { runSimulation } from "@/simulator";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";
import { createRunning, evaluateNow, rehearse, served, trace, transport } from "./helpers/rollouts";

beforeAll(setupStores);

async function servedUnits(experiment: string, units: object[]): Promise<{ variant: string; exposed: boolean }[]> {
  const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units, log: false } });
  expect(res.status).toBe(200);
  return res.body.results.map((r: any) => r.assignments.find((a: any) => a.experiment === experiment));
}

const customers = Array.from({ length: 300 }, (_, i) => `cust-${i}`);

describe("blue-green", () => {
  it("verifies the idle environment on internal traffic, switches live to it, and switches back", async () => {
    await createRunning({
      key: "checkout-service",
      name: "Checkout service v2 (blue-green)",
      strategy: "blue_green",
      automation: "manual",
      targeting: { attribute: "internal", op: "eq", value: true },
      rollout: { minExposuresPerArm: 100, minDurationMinutes: 0, initialLive: "blue" },
      // the idle environment's own checks: error rate and load time against the live one's
      metrics: { guardrails: [{ metric: "error_rate", promotionMargin: 0.5 }, { metric: "page_load_time" }] },
    });
    expect((await served("checkout-service", customers)).every((a) => a.variant === "blue" && a.exposed)).toBe(true);
    const run = await rehearse({
      experiment: "checkout-service",
      users: 40_000,
      batchSize: 2000,
      seed: 21,
      userPrefix: "bg-",
      profile: { requestsPerPageView: 3, errorRate: 0.02 },
      // a third of the traffic in this rehearsal is staff using the internal hostname
      attributes: (_i, rng) => ({ internal: rng.next() < 0.3 }),
      effects: { green: { loadTime: 0.97 } },
      until: (_e, d) => d.recommendation !== "hold",
    });
    const last = run.decisions.at(-1);
    expect(last.recommendation, trace(run.decisions)).toBe("promote");
    expect(run.report.served.green).toBeGreaterThan(0);

    const switched = await call(promote.POST, { params: { key: "checkout-service" }, body: { reason: "verification passed" } });
    expect(switched.status).toBe(200);
    expect(switched.body.experiment.state.live).toBe("green");
    expect((await served("checkout-service", customers)).every((a) => a.variant === "green")).toBe(true);

    const back = await call(switchLive.POST, { params: { key: "checkout-service" }, body: { to: "blue", reason: "switch-back rehearsal" } });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ live: "blue", previous: "green" });
    expect((await served("checkout-service", customers)).every((a) => a.variant === "blue")).toBe(true);
    const audit = await listAudit({ entityType: "experiment", entityKey: "checkout-service", limit: 10 });
    expect(audit.entries.slice(0, 2).map((e) => e.action)).toEqual(["experiment.switched", "experiment.promoted"]);
    expect(audit.entries[1].decisionId).toBe(last.id);
  });
});

describe("rolling deploy", () => {
  it("stops at a failing batch and returns its instances to the old version", async () => {
    await createRunning(
      {
        key: "api-v42",
        name: "API server v42 (rolling)",
        strategy: "rolling",
        automation: "auto",
        rollout: { batchSize: 25, minExposuresPerArm: 100, minDurationMinutes: 0 },
        metrics: { guardrails: [{ metric: "error_rate" }, { metric: "page_load_time" }] },
      },
      { salt: "a1b2c3d4e5f6" },
    ); // the first batch's share of 40 instances is binomial: 2 of 40 in one CI run
    const fleet = Array.from({ length: 40 }, (_, i) => ({ instanceId: `api-${i}` }));
    const before = await servedUnits("api-v42", fleet);
    const released = before.filter((a) => a.variant === "new").length;
    expect(released).toBeGreaterThan(3);
    expect(released).toBeLessThan(20);
    const decisions: any[] = [];
    // every round, each instance serves a few hundred requests; the new version is 40 % slower
    for (let round = 0; round < 12 && decisions.at(-1)?.recommendation !== "rollback"; round++) {
      const run = await rehearse({
        experiment: "api-v42",
        unit: "instance",
        users: 40,
        batchSize: 40,
        seed: 100 + round,
        userPrefix: "api-",
        effects: { new: { loadTime: 1.4 } },
        until: () => true,
      });
      decisions.push(...run.decisions);
    }
    const last = decisions.at(-1);
    expect(last.recommendation, trace(decisions)).toBe("rollback");
    expect(last.stage).toBe(25);
    expect(decisions.some((d) => d.recommendation === "promote")).toBe(false);
    expect(last.reasons.map((r: any) => r.code)).toEqual(expect.arrayContaining([expect.stringMatching(/guardrail_harm|load_time_distribution_worse/)]));
    const after = await servedUnits("api-v42", fleet);
    expect(after.every((a) => a.variant === "stable")).toBe(true);
  });
});

describe("toggle", () => {
  it("widens group by group and the kill switch turns it off for everyone at once", async () => {
    await createRunning({
      key: "live-chat",
      name: "Live chat with the courier",
      strategy: "toggle",
      automation: "manual",
      rollout: {
        groups: [
          { name: "staff", rule: { attribute: "role", op: "eq", value: "staff" } },
          { name: "everyone", rule: null },
        ],
        // no holdback: everyone released is on (the holdback rehearsals: rollouts-holdback-bake)
        holdback: 0,
        minExposuresPerArm: 100,
        minDurationMinutes: 0,
      },
    });
    const people = [...Array.from({ length: 20 }, (_, i) => ({ userId: `staff-${i}`, attributes: { role: "staff" } })), ...customers.map((userId) => ({ userId, attributes: { role: "customer" } }))];
    const first = await servedUnits("live-chat", people);
    expect(first.slice(0, 20).every((a) => a.variant === "on")).toBe(true);
    expect(first.slice(20).every((a) => a.variant === "off" && !a.exposed)).toBe(true);

    const widened = await call(promote.POST, { params: { key: "live-chat" }, body: { reason: "staff happy" } });
    expect(widened.status).toBe(200);
    expect((await servedUnits("live-chat", people)).every((a) => a.variant === "on")).toBe(true);
    const traffic = await runSimulation({ transport: transport(), experiment: "live-chat", users: 2000, seed: 31, userPrefix: "chat-", attributes: () => ({ role: "customer" }) });
    expect(traffic.served.on).toBe(2000);
    const decision = await evaluateNow("live-chat");
    expect(decision.inputs.exposures.on).toBe(2000);
    expect(decision.reasons.map((r: any) => r.code)).toEqual(expect.arrayContaining(["no_comparison", "arm_cannot_fill"]));

    const killed = await call(kill.POST, { params: { key: "live-chat" }, body: { reason: "chat backend overloaded" } });
    expect(killed.status).toBe(200);
    expect(killed.body.experiment.state.enabled).toBe(false);
    const after = await servedUnits("live-chat", people);
    expect(after.every((a) => a.variant === "off" && !a.exposed)).toBe(true);
    const audit = await listAudit({ entityType: "experiment", entityKey: "live-chat", limit: 1 });
    expect(audit.entries[0]).toMatchObject({ action: "experiment.killed", reason: "chat backend overloaded" });
  });
});
