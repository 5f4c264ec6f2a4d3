/* eslint-disable @typescript-eslint/no-explicit-any -- route responses are asserted field by field */
// A toggle with holdback 0 has no comparison group inside its targeted groups (issue 15): only
// absolute limits are judged, and a before/after view of the same "on" users (paired per user, split
// at each user's own first exposure; src/server/decisions/before-after.sql.ts) is shown, labelled,
// with its caveat, in the decision and in the results. Events planted in chDB with known values.
import { beforeAll, describe, expect, it } from "vitest";
import * as evaluate from "@/app/api/v1/experiments/[key]/evaluate/route";
import * as results from "@/app/api/v1/experiments/[key]/results/route";
import { chInsert } from "@/db/clickhouse/client";
import { getExperiment } from "@/server/experiments/get";
import { call, setupStores } from "./helpers/app";
import { createRunning } from "./helpers/rollouts";

beforeAll(setupStores);

const MIN = 60_000;
const ADMINS = [{ name: "admins", rule: { attribute: "role", op: "eq", value: "admin" } }];
let seq = 0;

interface Plan {
  users: number;
  /** per user, of 10 requests: errors before / after (every `every`-th user has them) */
  errorsBefore: { every: number; errors: number };
  errorsAfter: { every: number; errors: number };
  loadBefore: number;
  loadAfter: number;
}

/**
 * Users exposed to "on" right after the start, and a fifth of them only later (a group released
 * later: their own split point). Before each user's exposure: 10 requests and 2 page loads within
 * the hour before; after it the same. Noise the view must leave out: traffic more than an hour
 * before, a user exposed to both variants, a user never exposed.
 */
async function plant(key: string, p: Plan): Promise<void> {
  const startedAt = Date.parse((await getExperiment({ key })).startedAt as string);
  const rows: Record<string, unknown>[] = [];
  const ts = (ms: number) => new Date(ms).toISOString();
  const kpi = (user: string, from: number, errors: number, load: number) => {
    for (let r = 0; r < 10; r++) rows.push({ id: `ba${++seq}`, type: "request", user_id: user, value: 1, timestamp: ts(from + r) });
    for (let r = 0; r < errors; r++) rows.push({ id: `ba${++seq}`, type: "error", user_id: user, value: 1, timestamp: ts(from + 10 + r) });
    for (let r = 0; r < 2; r++) rows.push({ id: `ba${++seq}`, type: "page_load", user_id: user, value: load, timestamp: ts(from + 20 + r) });
  };
  for (let u = 0; u < p.users; u++) {
    const user = `${key}-${u}`;
    const late = u % 5 === 0;
    const exposedAt = startedAt + (late ? 100 : 1);
    // before: 30 minutes before the start, or (released later) after the start but before their exposure
    kpi(user, late ? startedAt + 40 : startedAt - 30 * MIN, u % p.errorsBefore.every === 0 ? p.errorsBefore.errors : 0, p.loadBefore);
    // outside the hour before: never counted
    kpi(user, exposedAt - 90 * MIN, 10, 5000);
    rows.push({ id: `ba${++seq}`, type: "exposure", user_id: user, experiment: key, variant: "on", timestamp: ts(exposedAt) });
    kpi(user, exposedAt + 5, u % p.errorsAfter.every === 0 ? p.errorsAfter.errors : 0, p.loadAfter);
  }
  for (const user of [`${key}-both`, `${key}-never`]) {
    kpi(user, startedAt - 10 * MIN, 10, 9000);
    kpi(user, startedAt + 10, 10, 9000);
  }
  rows.push({ id: `ba${++seq}`, type: "exposure", user_id: `${key}-both`, experiment: key, variant: "on", timestamp: ts(startedAt + 1) });
  rows.push({ id: `ba${++seq}`, type: "exposure", user_id: `${key}-both`, experiment: key, variant: "off", timestamp: ts(startedAt + 2) });
  await chInsert("events", rows);
  while (Date.now() < startedAt + 200) await new Promise((r) => setTimeout(r, 50));
}

const toggle = (key: string, automation: string, limit: number) => ({
  key,
  name: key,
  strategy: "toggle",
  automation,
  rollout: { groups: ADMINS, holdback: 0, minExposuresPerArm: 100, minDurationMinutes: 0 },
  metrics: { guardrails: [{ metric: "error_rate", limit }, { metric: "page_load_time" }] },
});

const metricOf = (view: any, metric: string) => view.metrics.find((m: any) => m.metric === metric);

describe("toggle with holdback 0", () => {
  it("a planted breach of an absolute limit rolls back; the decision still shows the labelled before/after", async () => {
    const key = "ba-breach";
    await createRunning(toggle(key, "auto-rollback", 0.02));
    // error rate 1 % before (every 10th user 1 of 10), 5 % after (every 2nd user 1 of 10)
    await plant(key, { users: 300, errorsBefore: { every: 10, errors: 1 }, errorsAfter: { every: 2, errors: 1 }, loadBefore: 300, loadAfter: 300 });
    const d = (await call(evaluate.POST, { params: { key } })).body;
    expect(d.recommendation).toBe("rollback");
    expect(d.reasons[0]).toMatchObject({ code: "absolute_limit_breached", metric: "error_rate", variant: "on", evidence: { limit: 0.02, comparison: "none" } });
    expect(d.reasons[0].evidence.value).toBeCloseTo(0.05, 6);
    expect(d.action).toMatch(/rolled back/);
    expect((await getExperiment({ key })).status).toBe("rolled_back");
    const flag = d.reasons.find((r: any) => r.code === "no_comparison");
    expect(flag.message).toMatch(/only absolute limits/);
    expect(flag.message).toMatch(/Before\/after \(not randomised\)/);
    expect(metricOf(flag.evidence.beforeAfter, "error_rate")).toMatchObject({ pairedUsers: 300 });
    expect(metricOf(flag.evidence.beforeAfter, "error_rate").before).toBeCloseTo(0.01, 9);
    expect(metricOf(flag.evidence.beforeAfter, "error_rate").after).toBeCloseTo(0.05, 9);
  });

  it("without a breach the decision names the before/after caveat, and the results expose the before/after numbers", async () => {
    const key = "ba-healthy";
    await createRunning(toggle(key, "manual", 0.05));
    // errors unchanged at 1 %; page loads 300 ms → 330 ms (+10 %): shown, not judged
    await plant(key, { users: 300, errorsBefore: { every: 10, errors: 1 }, errorsAfter: { every: 10, errors: 1 }, loadBefore: 300, loadAfter: 330 });
    const d = (await call(evaluate.POST, { params: { key } })).body;
    expect(d.recommendation).not.toBe("rollback");
    expect(d.reasons[0].code).toBe("no_comparison");
    expect(d.reasons[0].message).toMatch(/not randomised/);
    expect(d.reasons[0].message).toMatch(/page_load_time 300 ms → 330 ms \(300 users\)/);
    expect(d.reasons[0].evidence).toMatchObject({
      comparison: "none",
      holdback: 0,
      judged: ["error_rate"],
      notJudged: ["page_load_time"],
      beforeAfter: { label: "before/after (not randomised)", variant: "on", users: 300 },
    });
    expect(d.reasons[0].evidence.beforeAfter.caveat).toMatch(/not randomised.*time of day/);
    if (d.recommendation === "promote") expect(d.reasons.map((r: any) => r.code)).toContain("limits_respected");

    const res = await call(results.GET, { params: { key } });
    expect(res.status).toBe(200);
    const view = res.body.beforeAfter;
    expect(view).toMatchObject({ label: "before/after (not randomised)", variant: "on", users: 300, baselineMinutes: 60 });
    expect(view.caveat).toMatch(/not randomised/);
    const load = metricOf(view, "page_load_time");
    expect(load).toMatchObject({ pairedUsers: 300 });
    expect(load.before).toBeCloseTo(300, 9);
    expect(load.after).toBeCloseTo(330, 9);
    expect(load.relativeChange).toBeCloseTo(0.1, 9);
    expect(load.interval[0]).toBeCloseTo(30, 6); // no per-user variation in the difference
    const errors = metricOf(view, "error_rate");
    expect(errors.before).toBeCloseTo(0.01, 9);
    expect(errors.after).toBeCloseTo(0.01, 9);
  });

  it("a toggle with a holdback has no before/after view (it has a comparison)", async () => {
    const key = "ba-holdback";
    await createRunning({ ...toggle(key, "manual", 0.05), rollout: { groups: ADMINS, holdback: 10, minExposuresPerArm: 100, minDurationMinutes: 0 } });
    const res = await call(results.GET, { params: { key } });
    expect(res.body.beforeAfter).toBeNull();
  });
});
