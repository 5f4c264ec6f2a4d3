// decide() rule by rule, on simulated per-user summaries (seeded): every reason code, the defaults,
// custom thresholds, the A/B primary, safety rollouts, rolling and blue/green roles, determinism.
import { describe, expect, it } from "vitest";
import { decide } from "@/server/decisions/decide";
import { resolveParameters } from "@/server/decisions/parameters";
import { experimentFixture } from "../../../helpers/decisions/fixtures";
import { HEALTHY, SimArm, canaryInputs, metricsOf, simRandom, type ArmEffect } from "../../../helpers/decisions/summary-sim";
import type { DecisionInputs, DecisionParameters } from "@/server/decisions/types";

const canary = (extra: Record<string, unknown> = {}) => resolveParameters(experimentFixture({ strategy: "canary", ...extra }));

function arms(control: ArmEffect, treatment: ArmEffect, users: number | [number, number], seed = 1) {
  const r = simRandom(seed);
  const a = { control: new SimArm(control, r.rand, r.normal), treatment: new SimArm(treatment, r.rand, r.normal) };
  const [nc, nt] = Array.isArray(users) ? users : [users, users];
  a.control.addUsers(nc);
  a.treatment.addUsers(nt);
  return a;
}

const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);
const BUSY = { ...HEALTHY, errorRate: 0.05 }; // enough errors to bound the error rate within a test's traffic

describe("decide(): rollback", () => {
  it("rolls back when the treatment doubles the error rate, naming the metric, with evidence", () => {
    const d = decide(canaryInputs(arms(HEALTHY, { ...HEALTHY, errorRate: 0.02 }, 1500)), canary());
    expect(d.recommendation).toBe("rollback");
    expect(d.reasons).toHaveLength(1);
    expect(d.reasons[0]).toMatchObject({ code: "guardrail_harm", metric: "error_rate", variant: "treatment" });
    expect(d.reasons[0].message).toMatch(/error_rate is worse for treatment/);
    const ev = d.reasons[0].evidence as Record<string, number>;
    expect(ev.relativeChange).toBeGreaterThan(0.5);
    expect(ev.adjustedPValue).toBeLessThanOrEqual(0.05);
    expect(ev.adjustedPValue).toBeGreaterThanOrEqual(ev.pValue); // Holm over the guardrail family
  });

  it("rolls back when page loads are 20 % slower, naming page-load time", () => {
    const d = decide(canaryInputs(arms(HEALTHY, { ...HEALTHY, loadMedianMs: 960 }, 1500)), canary());
    expect(d.recommendation).toBe("rollback");
    expect(d.reasons.map((r) => r.metric)).toContain("page_load_time");
  });

  it("tolerates a slowdown inside a custom tolerance", () => {
    const a = arms(HEALTHY, { ...HEALTHY, loadMedianMs: 960 }, 1500);
    const lenient = canary({ metrics: { guardrails: [{ metric: "page_load_time", tolerance: 0.5, promotionMargin: 0.5 }] } });
    expect(decide(canaryInputs(a), lenient).recommendation).not.toBe("rollback");
  });

  it("rolls back on an absolute limit crossed with confidence", () => {
    const p = canary({ metrics: { guardrails: [{ metric: "error_rate", limit: 0.02, tolerance: 10, promotionMargin: 10 }] } });
    const d = decide(canaryInputs(arms({ ...HEALTHY, errorRate: 0.04 }, { ...HEALTHY, errorRate: 0.04 }, 1500)), p);
    expect(d.recommendation).toBe("rollback");
    expect(d.reasons[0]).toMatchObject({ code: "absolute_limit_breached", metric: "error_rate", evidence: { limit: 0.02 } });
    // below the limit: no breach
    expect(decide(canaryInputs(arms(HEALTHY, HEALTHY, 1500)), p).reasons.some((r) => r.code === "absolute_limit_breached")).toBe(false);
  });

  it("keeps the running minimum of the always-valid p-value: harm seen earlier still counts", () => {
    const a = arms(HEALTHY, HEALTHY, 1000);
    const p = canary();
    const clean = decide(canaryInputs(a), p);
    expect(clean.recommendation).not.toBe("rollback");
    const key = Object.keys(clean.carry).find((k) => k.startsWith("harm|error_rate|"));
    expect(key).toBeDefined();
    const d = decide(canaryInputs(a, { carried: { [key as string]: 1e-6 } }), p);
    expect(d.recommendation).toBe("rollback");
    expect(d.carry[key as string]).toBe(1e-6);
  });

  it("A/B: rolls back when the primary metric is significantly worse", () => {
    const ab = resolveParameters(experimentFixture({ strategy: "ab", metrics: { primary: "engagement_rate", guardrails: [] } }));
    const inputs = { ...canaryInputs(arms(HEALTHY, { ...HEALTHY, engagement: 0.2 }, 3000)) };
    inputs.experiment = { ...inputs.experiment, strategy: "ab" };
    const d = decide(inputs, ab);
    expect(d.recommendation).toBe("rollback");
    expect(d.reasons[0]).toMatchObject({ code: "primary_worse", metric: "engagement_rate", variant: "treatment" });
  });
});

describe("decide(): hold", () => {
  it("holds on a sample ratio mismatch and never promotes, reporting unconfirmed harm without acting", () => {
    const p = canary();
    const healthy = decide(canaryInputs(arms(BUSY, BUSY, [7000, 6300])), p);
    expect(healthy.recommendation).toBe("hold");
    expect(healthy.reasons[0]).toMatchObject({ code: "srm_mismatch" });
    expect((healthy.reasons[0].evidence as { pValue: number }).pValue).toBeLessThan(0.001);

    const harmful = decide(canaryInputs(arms(HEALTHY, { ...HEALTHY, errorRate: 0.03 }, [2000, 1700])), p);
    expect(harmful.recommendation).toBe("hold");
    expect(codes(harmful)).toEqual(expect.arrayContaining(["srm_mismatch", "guardrail_harm"]));
    expect(harmful.reasons.find((r) => r.code === "guardrail_harm")?.evidence).toMatchObject({ actedOn: false });
  });

  it("holds while evidence is insufficient, with users still needed and the ETA at the current traffic", () => {
    const d = decide(canaryInputs(arms(HEALTHY, HEALTHY, 400), { minutes: 120 }), canary());
    expect(d.recommendation).toBe("hold");
    const r = d.reasons.find((x) => x.code === "guardrail_inconclusive" && x.metric === "error_rate");
    expect(r).toBeDefined();
    const ev = r?.evidence as { usersStillNeeded: number; etaMinutes: number; promotionMargin: number };
    expect(ev.promotionMargin).toBe(0.2);
    expect(ev.usersStillNeeded).toBeGreaterThan(1000);
    // 800 units in 120 minutes: 400 per hour
    expect(ev.etaMinutes).toBeCloseTo((ev.usersStillNeeded / 400) * 60, -1);
    expect(r?.message).toMatch(/more units/);
  });

  it("holds until the stage has its minimum exposures per arm and minimum duration", () => {
    const a = arms(BUSY, BUSY, 6000);
    const p = canary();
    const early = decide(canaryInputs(a, { minutes: 30, stageExposures: { control: 60, treatment: 70 } }), p);
    expect(early.recommendation).toBe("hold");
    expect(codes(early)).toEqual(expect.arrayContaining(["min_duration_not_reached", "insufficient_exposures"]));
    const exposures = early.reasons.find((r) => r.code === "insufficient_exposures" && r.variant === "control");
    expect(exposures?.evidence).toMatchObject({ exposures: 60, needed: 100, usersStillNeeded: 40 });
  });

  it("holds on zero-variance arms (no errors anywhere) and on empty arms, with the metric named", () => {
    const quiet = decide(canaryInputs(arms({ ...HEALTHY, errorRate: 0 }, { ...HEALTHY, errorRate: 0 }, 500)), canary({ metrics: { guardrails: [{ metric: "error_rate" }] } }));
    expect(quiet.recommendation).toBe("hold");
    expect(quiet.reasons.find((r) => r.code === "zero_variance")).toMatchObject({ metric: "error_rate" });

    const inputs = canaryInputs(arms(HEALTHY, HEALTHY, 500));
    delete inputs.metrics.feedback_score.arms.treatment;
    const empty = decide(inputs, canary());
    expect(empty.recommendation).toBe("hold");
    expect(empty.reasons.find((r) => r.code === "empty_arm")).toMatchObject({ metric: "feedback_score", variant: "treatment" });
  });

  it("runs no comparison on tiny arms (asymptotic tests): a wild start is a hold, not a rollback", () => {
    const d = decide(canaryInputs(arms(HEALTHY, { ...HEALTHY, errorRate: 0.5 }, 10)), canary());
    expect(d.recommendation).toBe("hold");
    expect(codes(d)).toContain("insufficient_exposures");
  });

  it("A/B: holds while no variant is significantly better on the primary metric", () => {
    const ab = resolveParameters(experimentFixture({ strategy: "ab", metrics: { guardrails: [] } }));
    const inputs = canaryInputs(arms(HEALTHY, HEALTHY, 3000));
    inputs.experiment = { ...inputs.experiment, strategy: "ab" };
    const d = decide(inputs, ab);
    expect(d.recommendation).toBe("hold");
    expect(d.reasons[0]).toMatchObject({ code: "primary_inconclusive", metric: "engagement_rate" });
  });
});

describe("decide(): promote", () => {
  it("promotes a healthy canary once every guardrail rules out harm beyond its promotion margin", () => {
    const d = decide(canaryInputs(arms(BUSY, BUSY, 6000)), canary());
    expect(d.recommendation).toBe("promote");
    expect(codes(d)).toEqual(["stage_ready", "guardrails_healthy"]);
    const healthy = (d.reasons[1].evidence as { guardrails: { metric: string; harmUpperBound: number; margin: number }[] }).guardrails;
    expect(healthy.map((g) => g.metric).sort()).toEqual(["error_rate", "feedback_score", "page_load_p95", "page_load_time"]);
    for (const g of healthy) expect(g.harmUpperBound).toBeLessThan(g.margin);
    expect(d.winner).toBe("treatment");
  });

  it("A/B: promotes the significantly better variant after correction over variants", () => {
    const ab = resolveParameters(
      experimentFixture({
        strategy: "ab",
        variants: [
          { key: "control", weight: 0.34 },
          { key: "a", weight: 0.33 },
          { key: "b", weight: 0.33 },
        ],
        metrics: { primary: "engagement_rate", guardrails: [] },
        rollout: { minDurationMinutes: 0 },
      }),
    );
    const r = simRandom(5);
    const sim = { control: new SimArm(HEALTHY, r.rand, r.normal), a: new SimArm(HEALTHY, r.rand, r.normal), b: new SimArm({ ...HEALTHY, engagement: 0.36 }, r.rand, r.normal) };
    for (const s of Object.values(sim)) s.addUsers(4000);
    const base = canaryInputs({ control: sim.control, treatment: sim.a });
    const inputs: DecisionInputs = {
      ...base,
      experiment: { ...base.experiment, strategy: "ab", variants: ab.srm ? Object.entries(ab.srm.expectedShares).map(([key, weight]) => ({ key, weight })) : [], exposure: 100 },
      exposures: { control: 4000, a: 4000, b: 4000 },
      stageExposures: { control: 4000, a: 4000, b: 4000 },
      metrics: metricsOf(sim),
    };
    const d = decide(inputs, ab);
    expect(d.recommendation).toBe("promote");
    expect(d.winner).toBe("b");
    expect(d.reasons.find((x) => x.code === "primary_wins")).toMatchObject({ variant: "b", metric: "engagement_rate" });
  });

  it("a safety rollout A/B promotes on no harm alone", () => {
    const safety = resolveParameters(experimentFixture({ strategy: "ab", metrics: { safetyRollout: true } }));
    expect(safety.primary).toBeNull();
    const inputs = canaryInputs(arms(BUSY, BUSY, 6000));
    inputs.experiment = { ...inputs.experiment, strategy: "ab" };
    expect(decide(inputs, safety).recommendation).toBe("promote");
  });
});

describe("decide(): strategies, parameters, determinism", () => {
  it("rolling: a batch whose instances load slower is rolled back by the Mann-Whitney comparison", () => {
    const p = resolveParameters(experimentFixture({ strategy: "rolling", metrics: { guardrails: [{ metric: "error_rate" }] } }));
    const inputs = canaryInputs(arms(BUSY, BUSY, 40));
    inputs.experiment = { ...inputs.experiment, strategy: "rolling", control: "control", treatment: "treatment", exposure: 25 };
    const r = simRandom(9);
    const instance = (median: number) => median * Math.exp(0.05 * r.normal());
    inputs.loadTimePerInstance = { control: Array.from({ length: 30 }, () => instance(800)), treatment: Array.from({ length: 10 }, () => instance(1000)) };
    const d = decide(inputs, p);
    expect(d.recommendation).toBe("rollback");
    expect(d.reasons.find((x) => x.code === "load_time_distribution_worse")).toMatchObject({ metric: "page_load_time", variant: "treatment" });
    inputs.loadTimePerInstance.treatment = Array.from({ length: 10 }, () => instance(800));
    expect(decide(inputs, p).recommendation).not.toBe("rollback");
  });

  it("blue/green: the live environment is the baseline and the idle one is verified against it", () => {
    const p = resolveParameters(experimentFixture({ strategy: "blue_green", metrics: { guardrails: [{ metric: "error_rate" }] } }));
    expect(p.srm).toBeNull();
    const a = arms(HEALTHY, { ...HEALTHY, errorRate: 0.03 }, 1500);
    const inputs = canaryInputs(a);
    inputs.experiment = {
      ...inputs.experiment,
      strategy: "blue_green",
      variants: [
        { key: "green", weight: 0.5 },
        { key: "blue", weight: 0.5 },
      ],
      control: "blue",
      treatment: "green",
      live: "blue",
    };
    inputs.metrics = metricsOf({ blue: a.control, green: a.treatment });
    inputs.exposures = inputs.stageExposures = { blue: 1500, green: 1500 };
    const d = decide(inputs, p);
    expect(d.recommendation).toBe("rollback");
    expect(d.reasons[0]).toMatchObject({ metric: "error_rate", variant: "green" });
  });

  it("resolves the issue's defaults and keeps custom values", () => {
    const p = canary();
    expect(p).toMatchObject({ alpha: 0.05, srmThreshold: 0.001, minExposuresPerArm: 100, primary: null, srm: { expectedShares: { control: 0.5, treatment: 0.5 } } });
    const byMetric = Object.fromEntries(p.guardrails.map((g) => [g.metric, g]));
    expect(byMetric.error_rate).toMatchObject({ tolerance: 0, promotionMargin: 0.2, toleranceType: "relative" });
    expect(byMetric.page_load_time).toMatchObject({ tolerance: 0.05, promotionMargin: 0.05, toleranceType: "relative" });
    expect(byMetric.page_load_p95).toMatchObject({ tolerance: 0.05, promotionMargin: 0.05 });
    expect(byMetric.feedback_score).toMatchObject({ tolerance: 0.1, promotionMargin: 0.2, toleranceType: "absolute" });
    const custom = canary({
      metrics: { alpha: 0.01, srmThreshold: 0.0001, guardrails: [{ metric: "error_rate", tolerance: 0.1, absolute: true, limit: 0.05 }] },
      rollout: { minExposuresPerArm: 500 },
    });
    expect(custom).toMatchObject({ alpha: 0.01, srmThreshold: 0.0001, minExposuresPerArm: 500 });
    expect(custom.guardrails[0]).toMatchObject({ tolerance: 0.1, toleranceType: "absolute", promotionMargin: 0, limit: 0.05 });
  });

  it("is deterministic and JSON-stable: the same inputs and parameters give the same decision", () => {
    const inputs = canaryInputs(arms(HEALTHY, { ...HEALTHY, errorRate: 0.013 }, 800));
    const params: DecisionParameters = canary();
    const a = decide(inputs, params);
    const b = decide(JSON.parse(JSON.stringify(inputs)), JSON.parse(JSON.stringify(params)));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
