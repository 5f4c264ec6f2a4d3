/* eslint-disable @typescript-eslint/no-explicit-any -- results are asserted field by field */
// Segments end to end (issue 16): units assigned through POST /api/v1/assign with attributes →
// their first exposure's properties → GET …/results?segment=platform: per value exposures, SRM and
// the same metrics as the top level, Benjamini–Hochberg over the whole breakdown, thin cells as
// insufficient data, and an undeclared attribute refused with 400.
import { beforeAll, describe, expect, it } from "vitest";
import { adjustPValues } from "@analysis";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as results from "@/app/api/v1/experiments/[key]/results/route";
import { chInsert } from "@/db/clickhouse/client";
import { SYSTEM } from "@/server/auth/principal";
import { createExperiment } from "@/server/experiments/create";
import { startExperiment } from "@/server/experiments/lifecycle";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { getExperiment } from "@/server/experiments/get";
import { decide } from "@/server/decisions/decide";
import { loadDecisionInputs } from "@/server/decisions/inputs";
import { resolveParameters } from "@/server/decisions/parameters";
import { mulberry32 } from "./helpers/analysis/random";
import { call, fixSalt, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const KEY = "seg-http";
const get = (segment?: string) => call(results.GET, { params: { key: KEY }, path: `/api/v1/experiments/${KEY}/results${segment !== undefined ? `?segment=${encodeURIComponent(segment)}` : ""}` });
const metric = (metrics: any[], name: string) => metrics.find((m: any) => m.name === name);

beforeAll(async () => {
  await setupStores();
  await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key: KEY, name: KEY, strategy: "ab", segments: ["platform", "region"] }) });
  // a fixed salt, so the assignment (and with the seeded events, the data) is the same in every run:
  // with a fresh random salt the iOS comparison is an A/A test, "better" in a few % of runs (one CI run)
  await fixSalt(KEY, "5e9a1c0d7b42");
  await startExperiment({ actor: SYSTEM, key: KEY });
  const rand = mulberry32(1616);
  const units = Array.from({ length: 1600 }, (_, i) => ({ userId: `sh${i}`, attributes: { platform: i % 2 ? "android" : "ios", region: i % 40 === 0 ? "apac" : i % 3 ? "eu" : "us" } }));
  const exposed: { unit: (typeof units)[number]; variant: string }[] = [];
  for (let i = 0; i < units.length; i += 400) {
    const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: units.slice(i, i + 400) } });
    expect(res.status).toBe(200);
    res.body.results.forEach((r: any, j: number) => {
      const a = r.assignments.find((x: any) => x.experiment === KEY);
      if (a?.exposed) exposed.push({ unit: units[i + j], variant: a.variant });
    });
  }
  // the KPI events come after every exposure: /assign stamps an exposure when it answers, and under
  // load the last batch can be answered more than 1 s after a time taken before the first
  const rows: any[] = [];
  let seq = 0;
  const now = Date.now();
  for (const { unit, variant } of exposed) {
    // planted harm: errors triple for android users on the treatment only
    const p = unit.attributes.platform === "android" && variant === "treatment" ? 0.15 : 0.05;
    if (rand() < 0.3) rows.push({ id: `sh-${++seq}`, type: "engagement", user_id: unit.userId, timestamp: new Date(now + 1000).toISOString() });
    for (let k = 0; k < 10; k++) {
      const t = new Date(now + 1000 + k).toISOString();
      rows.push({ id: `sh-${++seq}`, type: "request", user_id: unit.userId, timestamp: t });
      if (rand() < p) rows.push({ id: `sh-${++seq}`, type: "error", user_id: unit.userId, timestamp: t });
    }
  }
  await flushIngestion();
  await chInsert("events", rows);
});

describe("results by segment", () => {
  it("breaks the results down by the attribute /assign recorded, with per-value SRM and BH over the breakdown", async () => {
    const top = (await get()).body;
    expect(top.segments).toBeUndefined();
    const res = await get("platform");
    expect(res.status).toBe(200);
    const s = res.body.segments;
    expect(s.attribute).toBe("platform");
    expect(s.values.map((v: any) => v.value).sort()).toEqual(["android", "ios"]);
    for (const variant of ["control", "treatment"]) {
      expect(s.values.reduce((a: number, v: any) => a + v.exposures.byVariant[variant], 0)).toBe(res.body.exposures.byVariant[variant]);
    }
    for (const v of s.values) {
      expect(v.srm).toMatchObject({ applicable: true, mismatch: false });
      expect(v.metrics.map((m: any) => m.name)).toEqual(res.body.metrics.map((m: any) => m.name));
    }
    // every ok comparison of the breakdown is in one Benjamini–Hochberg family
    const family = s.values.flatMap((v: any) => v.metrics.flatMap((m: any) => m.comparisons.filter((c: any) => c.status === "ok")));
    expect(family.length).toBeGreaterThanOrEqual(6);
    expect(family.map((c: any) => c.adjustedPValue)).toEqual(
      adjustPValues(
        family.map((c: any) => c.pValue),
        "bh",
      ),
    );
    expect(res.body.correction.segments).toMatchObject({ method: "benjamini-hochberg", comparisons: family.length });
    expect(s.correction).toEqual(res.body.correction.segments);
    // the planted harm shows on android only
    const android = metric(s.values.find((v: any) => v.value === "android").metrics, "error_rate").comparisons[0];
    const ios = metric(s.values.find((v: any) => v.value === "ios").metrics, "error_rate").comparisons[0];
    expect(android).toMatchObject({ status: "ok", outcome: "worse", significant: true });
    expect(android.relative.estimate).toBeGreaterThan(1);
    expect(ios.outcome).toBe("inconclusive");
  });

  it("says insufficient data for a thin cell", async () => {
    const s = (await get("region")).body.segments;
    const apac = s.values.find((v: any) => v.value === "apac");
    expect(apac.exposures.total).toBeLessThan(60);
    for (const c of metric(apac.metrics, "error_rate").comparisons) expect(c).toMatchObject({ status: "insufficient_data", significant: false, adjustedPValue: null });
    expect(apac.srm.mismatch).toBeNull();
  });

  it("feeds the decision engine per segment from the store: the rollback names platform=android, not ios", async () => {
    const e = await getExperiment({ key: KEY });
    const params = resolveParameters(e);
    const inputs = await loadDecisionInputs(e, params, new Date(), {});
    expect(inputs.segments?.map((s) => s.attribute)).toEqual(["platform", "region"]);
    const android = inputs.segments![0].values.find((v) => v.value === "android")!;
    expect(android.exposures.control + android.exposures.treatment).toBe(800);
    const d = decide(inputs, params);
    expect(d.recommendation).toBe("rollback");
    const segments = d.reasons.filter((r) => r.segment).map((r) => `${r.metric}@${r.segment}`);
    expect(segments).toContain("error_rate@platform=android");
    expect(segments.some((s) => s.includes("platform=ios"))).toBe(false);
  });

  it("refuses an attribute the experiment does not declare with 400", async () => {
    const res = await get("country");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    expect(res.body.error.message).toBe("Unknown segment 'country': experiment 'seg-http' declares 'platform', 'region'");
    expect((await get("bad name")).status).toBe(400);
  });
});
