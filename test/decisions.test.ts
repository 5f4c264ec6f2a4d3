/* eslint-disable @typescript-eslint/no-explicit-any -- responses are asserted field by field */
// Release actions through the routes on the real stores, verified where it matters: what POST
// /api/v1/assign serves afterwards. Promote through every canary stage, rollback (reason required,
// everyone control), blue/green switch and switch back, toggle kill switch, the rollback drill,
// incompatible database changes, A/B shipping, 409s, audit entries and decision events.
import { beforeAll, describe, expect, it } from "vitest";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as item from "@/app/api/v1/experiments/[key]/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as promote from "@/app/api/v1/experiments/[key]/promote/route";
import * as rollback from "@/app/api/v1/experiments/[key]/rollback/route";
import * as switchRoute from "@/app/api/v1/experiments/[key]/switch/route";
import * as kill from "@/app/api/v1/experiments/[key]/kill/route";
import * as drill from "@/app/api/v1/experiments/[key]/drill/route";
import { listAudit } from "@/server/audit/list";
import { onDecisionEvent, type DecisionEvent } from "@/server/decisions/events";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const events: DecisionEvent[] = [];
beforeAll(async () => {
  await setupStores();
  onDecisionEvent((e) => {
    events.push(e);
  });
});

async function running(body: Record<string, unknown>): Promise<void> {
  expect((await call(collection.POST, { body: { name: String(body.key), ...body } })).status).toBe(201);
  expect((await call(start.POST, { params: { key: String(body.key) }, body: {} })).status).toBe(200);
}

const units = (n: number, attributes: Record<string, unknown> = {}) => Array.from({ length: n }, (_, i) => ({ userId: `u-${i}`, instanceId: `i-${i}`, attributes: { ...attributes } }));

/** The assignment of `key` for each unit, via POST /api/v1/assign (not logged). */
async function assigned(key: string, list: Record<string, unknown>[]): Promise<{ variant: string; exposed: boolean }[]> {
  const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: list, log: false } });
  expect(res.status).toBe(200);
  return res.body.results.map((r: any) => r.assignments.find((a: any) => a.experiment === key));
}

const post = (handler: typeof promote.POST, key: string, body: unknown = {}) => call(handler, { params: { key }, body });

describe("release actions", () => {
  it("promote advances a canary 5 → 20 → 50 and completes at 100 % with the treatment shipped", async () => {
    await running({ key: "canary-promote", strategy: "canary" });
    const stages: number[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await post(promote.POST, "canary-promote", { reason: "stage looks healthy" });
      expect(res.status).toBe(200);
      stages.push(res.body.experiment.state.exposure);
      expect(res.body.experiment.status).toBe("running");
    }
    expect(stages).toEqual([20, 50]);
    const mid = await assigned("canary-promote", units(400));
    const treated = mid.filter((a) => a.variant === "treatment").length / mid.length;
    expect(treated).toBeGreaterThan(0.4);
    expect(treated).toBeLessThan(0.6);

    const last = await post(promote.POST, "canary-promote");
    expect(last.body.experiment).toMatchObject({ status: "completed", state: { exposure: 100, shipped: "treatment" } });
    expect((await assigned("canary-promote", units(300))).every((a) => a.variant === "treatment" && !a.exposed)).toBe(true);

    const again = await post(promote.POST, "canary-promote");
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "invalid_transition", details: { status: "completed" } });

    const audit = await listAudit({ entityType: "experiment", entityKey: "canary-promote", limit: 10 });
    const promotions = audit.entries.filter((e) => e.action === "experiment.promoted");
    expect(promotions).toHaveLength(3);
    expect(promotions.some((e) => e.reason === "stage looks healthy")).toBe(true);
    expect(events.filter((e) => e.type === "experiment.promoted" && e.experiment.key === "canary-promote")).toHaveLength(3);
  });

  it("rollback needs a reason, then every unit gets control and is not exposed", async () => {
    await running({ key: "canary-rollback", strategy: "canary", rollout: { stages: [50, 100] } });
    const before = await assigned("canary-rollback", units(300));
    expect(before.some((a) => a.variant === "treatment" && a.exposed)).toBe(true);

    const missing = await post(rollback.POST, "canary-rollback", {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("validation_failed");
    const blank = await post(rollback.POST, "canary-rollback", { reason: "   " });
    expect(blank.status).toBe(400);

    const res = await post(rollback.POST, "canary-rollback", { reason: "checkout errors doubled" });
    expect(res.status).toBe(200);
    expect(res.body.experiment).toMatchObject({ status: "rolled_back", state: { exposure: 0 } });
    const after = await assigned("canary-rollback", units(1000));
    expect(after.every((a) => a.variant === "control" && a.exposed === false)).toBe(true);

    const [entry] = (await listAudit({ entityType: "experiment", entityKey: "canary-rollback", limit: 1 })).entries;
    expect(entry).toMatchObject({ action: "experiment.rolled_back", reason: "checkout errors doubled" });
    const event = events.find((e) => e.type === "experiment.rolled_back" && e.experiment.key === "canary-rollback");
    expect(event?.data).toMatchObject({ reason: "checkout errors doubled", from: { status: "running", stage: 50 }, to: { status: "rolled_back" } });
    expect(event?.text).toMatch(/checkout errors doubled/);

    expect((await post(rollback.POST, "canary-rollback", { reason: "again" })).body.error).toMatchObject({ code: "invalid_transition", details: { status: "rolled_back" } });
    expect((await post(promote.POST, "canary-rollback")).status).toBe(409);
  });

  it("blue/green: switch flips live atomically for everyone, switching again switches back; verification traffic sees the idle one", async () => {
    await running({ key: "bg", strategy: "blue_green", targeting: { attribute: "internal", op: "eq", value: true } });
    const publicUnits = units(200);
    expect((await assigned("bg", publicUnits)).every((a) => a.variant === "blue")).toBe(true);
    expect((await assigned("bg", units(50, { internal: true }))).every((a) => a.variant === "green")).toBe(true);

    const flip = await post(switchRoute.POST, "bg", { reason: "green verified" });
    expect(flip.status).toBe(200);
    expect(flip.body).toMatchObject({ live: "green", previous: "blue" });
    expect((await assigned("bg", publicUnits)).every((a) => a.variant === "green")).toBe(true);
    expect((await assigned("bg", units(50, { internal: true }))).every((a) => a.variant === "blue")).toBe(true);

    const back = await post(switchRoute.POST, "bg");
    expect(back.body).toMatchObject({ live: "blue", previous: "green" });
    expect((await assigned("bg", publicUnits)).every((a) => a.variant === "blue")).toBe(true);

    expect((await post(switchRoute.POST, "bg", { to: "blue" })).status).toBe(409); // already live
    expect((await post(switchRoute.POST, "bg", { to: "purple" })).status).toBe(400);

    // promote = switch to the candidate and bake it with blue kept ready (no verification traffic
    // during the bake); rollback during the bake = back to the side live before the switch
    const promoted = await post(promote.POST, "bg");
    expect(promoted.body.experiment).toMatchObject({ status: "running", state: { live: "green", phase: "bake", previousLive: "blue" } });
    expect((await assigned("bg", [...publicUnits, ...units(50, { internal: true })])).every((a) => a.variant === "green" && a.exposed)).toBe(true);
    const rolled = await post(rollback.POST, "bg", { reason: "green leaks memory" });
    expect(rolled.body.experiment).toMatchObject({ status: "rolled_back", state: { live: "blue" } });
    expect((await assigned("bg", publicUnits)).every((a) => a.variant === "blue" && !a.exposed)).toBe(true);

    const audit = await listAudit({ entityType: "experiment", entityKey: "bg", limit: 10 });
    expect(audit.entries.filter((e) => e.action === "experiment.switched")).toHaveLength(2);
  });

  it("a switch on a canary is refused with 400", async () => {
    await running({ key: "canary-no-switch", strategy: "canary" });
    expect((await post(switchRoute.POST, "canary-no-switch")).status).toBe(400);
  });

  it("toggle: groups widen one at a time, and the kill switch turns it off for everyone at once", async () => {
    await running({
      key: "toggle",
      strategy: "toggle",
      forced: { "qa-1": "on" },
      rollout: {
        groups: [
          { name: "admins", rule: { attribute: "role", op: "eq", value: "admin" }, percentage: 100 },
          { name: "beta", rule: { attribute: "role", op: "eq", value: "beta" }, percentage: 100 },
        ],
      },
    });
    // everyone of a released group is on except its holdback (default 10 %: off, exposed)
    const admins = await assigned("toggle", units(200, { role: "admin" }));
    expect(admins.every((a) => a.exposed && (a.variant === "on" || a.variant === "off"))).toBe(true);
    const held = admins.filter((a) => a.variant === "off").length;
    expect(held).toBeGreaterThan(5);
    expect(held).toBeLessThan(40);
    expect((await assigned("toggle", units(50, { role: "beta" }))).every((a) => a.variant === "off" && !a.exposed)).toBe(true);
    expect((await post(promote.POST, "toggle")).body.experiment.state.stageIndex).toBe(1);
    const beta = await assigned("toggle", units(200, { role: "beta" }));
    expect(beta.map((a) => a.variant)).toEqual(admins.map((a) => a.variant)); // same ids, same holdback slice

    const res = await post(kill.POST, "toggle", { reason: "pager" });
    expect(res.status).toBe(200);
    expect(res.body.experiment.state.enabled).toBe(false);
    const all = await assigned("toggle", [...units(100, { role: "admin" }), ...units(100, { role: "beta" }), { userId: "qa-1" }]);
    expect(all.every((a) => a.variant === "off" && !a.exposed)).toBe(true);
    const [entry] = (await listAudit({ entityType: "experiment", entityKey: "toggle", limit: 1 })).entries;
    expect(entry).toMatchObject({ action: "experiment.killed", reason: "pager" });
  });

  it("A/B promote ships the chosen variant to everyone", async () => {
    await running({
      key: "ab-ship",
      strategy: "ab",
      variants: [
        { key: "control", weight: 0.34 },
        { key: "a", weight: 0.33 },
        { key: "b", weight: 0.33 },
      ],
    });
    expect((await post(promote.POST, "ab-ship", { variant: "zzz" })).status).toBe(400);
    const res = await post(promote.POST, "ab-ship", { variant: "b", reason: "b wins on engagement" });
    expect(res.body.experiment).toMatchObject({ status: "promoted", state: { shipped: "b" } });
    expect((await assigned("ab-ship", units(300))).every((a) => a.variant === "b" && !a.exposed)).toBe(true);
  });

  it("incompatible database changes need an explicit acknowledgement to promote past the first stage", async () => {
    await running({ key: "db-change", strategy: "canary", rollbackPlan: { databaseBackwardCompatible: false, notes: "drops a column" } });
    const refused = await post(promote.POST, "db-change");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "conflict", details: { requires: "acknowledgeIncompatibleDatabase" } });
    expect((await call(item.GET, { params: { key: "db-change" } })).body.state.exposure).toBe(5);
    const ok = await post(promote.POST, "db-change", { acknowledgeIncompatibleDatabase: true, reason: "migration is additive after all" });
    expect(ok.status).toBe(200);
    expect(ok.body.experiment.state.exposure).toBe(20);
    // past the first stage the acknowledgement has been given
    expect((await post(promote.POST, "db-change")).status).toBe(200);
  });

  it("the rollback drill dry-runs the rollback, checks every unit would get control, measures propagation and records it", async () => {
    await running({ key: "drilled", strategy: "canary", rollout: { stages: [50, 100] }, forced: { "qa-2": "treatment" } });
    const before = (await call(item.GET, { params: { key: "drilled" } })).body;
    const res = await post(drill.POST, "drilled");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ok: true, experiment: "drilled", rollback: { status: "rolled_back", expectedVariant: "control", state: { exposure: 0 } } });
    expect(res.body.checks.onRollbackVariant).toBe(res.body.checks.units);
    expect(res.body.checks.units).toBeGreaterThan(2000); // the sample plus the forced QA unit
    // measured, not TTL arithmetic (test/decisions-drill.test.ts covers the dry-run channel)
    expect(res.body.propagation).toMatchObject({ probes: [{ name: "assign", variant: "control" }, { name: "stream (0 open)" }] });
    expect(res.body.propagation.measuredMs).toBe(Math.max(...res.body.propagation.probes.map((p: { ms: number }) => p.ms)));
    expect(res.body.propagation.buildMs).toBeGreaterThan(0);

    const after = (await call(item.GET, { params: { key: "drilled" } })).body;
    expect(after.version).toBe(before.version);
    expect(after.state).toEqual(before.state);
    expect((await assigned("drilled", units(300))).some((a) => a.variant === "treatment")).toBe(true);

    const list = await call(drill.GET, { params: { key: "drilled" } });
    expect(list.body.drills).toHaveLength(1);
    expect(list.body.drills[0]).toMatchObject({ id: res.body.id, ok: true });
  });
});
