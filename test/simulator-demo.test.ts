// The demo seed: on a fresh install it replays the past two days hour by hour through the public API
// (a client key of its own, revoked afterwards) and the decision engine (with each hour as its
// clock), so every strategy's story is told with past dates; it runs once, and its traffic touches
// the demo's experiments only.
import { beforeAll, describe, expect, it } from "vitest";
import { chQuery } from "@/db/clickhouse/client";
import { listAudit } from "@/server/audit/list";
import { SYSTEM } from "@/server/auth/principal";
import { evaluateExperiment } from "@/server/decisions/evaluate";
import { latestDecisionRow, listDecisions, toDecisionView } from "@/server/decisions/record";
import { DEMO_AB, DEMO_BLUE_GREEN, DEMO_CANARY, DEMO_ROLLING, DEMO_SLOW_CANARY, DEMO_TOGGLE } from "@/server/demo/experiments";
import { DEMO_WEBHOOK_URL, seedDemo } from "@/server/demo/seed";
import { createExperiment } from "@/server/experiments/create";
import { findExperiment, getExperiment } from "@/server/experiments/get";
import { startExperiment } from "@/server/experiments/lifecycle";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { listExperiments } from "@/server/experiments/list";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { listApiKeys } from "@/server/keys/list";
import { listWebhooks } from "@/server/webhooks/list";
import { setupStores } from "./helpers/app";

beforeAll(setupStores);

const HOUR = 3_600_000;

async function latest(key: string) {
  const row = await latestDecisionRow(key);
  expect(row, `a decision of ${key}`).not.toBeNull();
  return toDecisionView(row!, { full: false });
}

async function auditOf(key: string) {
  return (await listAudit({ entityType: "experiment", entityKey: key, limit: 50 })).entries;
}

describe("demo seed", () => {
  it("replays two days in which every strategy reaches its story, with past dates, and runs only once", async () => {
    const now = Date.now();
    // an experiment a user starts while the seed runs (first minute of a fresh install)
    const seeding = seedDemo({ now });
    await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key: "users-own", name: "User's own", strategy: "ab" }) });
    await startExperiment({ actor: SYSTEM, key: "users-own" });
    // while the seed replays the past, an evaluation at the real time would break the order of its decisions
    while (!(await findExperiment(DEMO_CANARY))) await new Promise((r) => setTimeout(r, 20));
    await expect(evaluateExperiment({ key: DEMO_CANARY, actor: SYSTEM })).rejects.toMatchObject({ code: "conflict" });
    const first = await seeding;
    expect(first).toMatchObject({ seeded: true, hours: 48 });
    expect(first.events).toBeGreaterThan(first.users * 5);

    // realtime-tracking: advanced 5 % → 20 % on a PROMOTE more than a few hours ago, healthy since
    const tracking = await getExperiment({ key: DEMO_CANARY });
    expect(tracking).toMatchObject({ strategy: "canary", status: "running", automation: "auto-rollback" });
    expect(tracking.state).toMatchObject({ stageIndex: 1, exposure: 20 });
    expect(Date.parse(tracking.startedAt!)).toBeLessThan(now - 40 * HOUR);
    expect(Date.parse(tracking.state.stageStartedAt!)).toBeLessThan(now - 6 * HOUR);
    const promoted = (await auditOf(DEMO_CANARY)).find((a) => a.action === "experiment.promoted");
    expect(promoted).toMatchObject({ actor: "demo seed (release manager)" });
    expect(promoted!.at.getTime()).toBe(Date.parse(tracking.state.stageStartedAt!));
    const trackingDecisions = (await listDecisions({ experiment: DEMO_CANARY, limit: 100 })).decisions;
    expect(trackingDecisions.find((d) => d.id === promoted!.decisionId)).toMatchObject({ recommendation: "promote", stage: 5 });
    expect(trackingDecisions.every((d) => Date.parse(d.evaluatedAt) <= now)).toBe(true);
    expect((await latest(DEMO_CANARY)).recommendation).not.toBe("rollback");

    // the slow-photos canary: rolled back automatically, for page-load time, in the past
    const photos = await getExperiment({ key: DEMO_SLOW_CANARY });
    expect(photos.status).toBe("rolled_back");
    expect(Date.parse(photos.endedAt!)).toBeLessThan(now - HOUR);
    const photosRollback = await latest(DEMO_SLOW_CANARY);
    expect(photosRollback).toMatchObject({ recommendation: "rollback", action: expect.stringMatching(/rolled back/) });
    expect(photosRollback.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: "guardrail_harm", metric: "page_load_time" })]));
    expect((await auditOf(DEMO_SLOW_CANARY))[0]).toMatchObject({ action: "experiment.rolled_back", actorKind: "system", reason: expect.stringMatching(/^automatic rollback/) });

    // the A/B test: a significant winner, recommended (manual: nobody ships it on their own)
    const ab = await getExperiment({ key: DEMO_AB });
    expect(ab.status).toBe("running");
    const abDecision = await latest(DEMO_AB);
    expect(abDecision).toMatchObject({ recommendation: "promote", winner: "treatment" });
    expect(abDecision.reasons.map((r) => r.code)).toContain("primary_wins");

    // blue-green: verified, switched to green, baked, promoted
    const bg = await getExperiment({ key: DEMO_BLUE_GREEN });
    expect(bg).toMatchObject({ status: "promoted", state: { live: "green", shipped: "green", previousLive: "blue" } });
    const bgSteps = (await auditOf(DEMO_BLUE_GREEN)).filter((a) => a.action === "experiment.promoted").map((a) => a.reason);
    expect(bgSteps).toHaveLength(2);
    expect((await latest(DEMO_BLUE_GREEN)).reasons.map((r) => r.code)).toContain("bake_passed");

    // rolling: stopped at its first (25 %) batch, its instances back on the old version
    const rolling = await getExperiment({ key: DEMO_ROLLING });
    expect(rolling.status).toBe("rolled_back");
    expect(await latest(DEMO_ROLLING)).toMatchObject({ recommendation: "rollback", stage: 25 });

    // dark mode: admins and beta users, with a 10 % holdback that gets the old behaviour
    const dark = await getExperiment({ key: DEMO_TOGGLE });
    expect(dark).toMatchObject({ status: "running", strategy: "toggle", state: { stageIndex: 0 } });
    expect(dark.rollout.holdback).toBe(10);

    await flushIngestion();
    const exposures = await chQuery<{ experiment: string; variant: string; n: number; hours: number }>(
      "SELECT experiment, variant, uniqExact(user_id) AS n, uniqExact(toStartOfHour(timestamp)) AS hours FROM events WHERE type = 'exposure' GROUP BY experiment, variant ORDER BY experiment, variant",
    );
    const row = (experiment: string, variant: string) => exposures.find((r) => r.experiment === experiment && r.variant === variant);
    // the charts have hourly buckets over two days
    expect(Number(row(DEMO_CANARY, "treatment")?.hours)).toBeGreaterThanOrEqual(40);
    const off = Number(row(DEMO_TOGGLE, "off")?.n ?? 0);
    const on = Number(row(DEMO_TOGGLE, "on")?.n ?? 0);
    expect(off).toBeGreaterThan(0);
    expect(off / (off + on)).toBeGreaterThan(0.05);
    expect(off / (off + on)).toBeLessThan(0.15);
    // the user's experiment got none of the demo's traffic
    expect(row("users-own", "control")).toBeUndefined();
    expect(row("users-own", "treatment")).toBeUndefined();

    expect((await listWebhooks()).map((w) => w.url)).toContain(DEMO_WEBHOOK_URL);
    const demoKey = (await listApiKeys()).find((k) => k.name === "demo traffic simulator");
    expect(demoKey?.revokedAt).toBeTruthy();

    // released: a person's evaluation works again
    expect((await evaluateExperiment({ key: DEMO_AB, actor: SYSTEM })).recommendation).toBe("promote");
    const experiments = await listExperiments({});
    expect(await seedDemo()).toMatchObject({ seeded: false });
    expect((await listExperiments({})).length).toBe(experiments.length);
    expect(experiments.map((e) => e.key)).toContain("users-own");
  }, 300_000);
});
