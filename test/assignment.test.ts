// POST /api/v1/assign and the SDK's local evaluation must agree exactly, for every strategy, and the
// server records exposures (once per unit and experiment) through ingestion.
import { beforeAll, describe, expect, it } from "vitest";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as configRoute from "@/app/api/v1/sdk/config/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import { chQuery } from "@/db/clickhouse/client";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { VerdictClient } from "@/sdk/client";
import type { Unit } from "@/sdk/types";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const EXPERIMENTS = [
  {
    key: "ab-test",
    name: "A/B",
    strategy: "ab",
    variants: [
      { key: "control", weight: 0.34 },
      { key: "a", weight: 0.33 },
      { key: "b", weight: 0.33 },
    ],
  },
  { key: "canary-1", name: "Canary", strategy: "canary" },
  { key: "bg-1", name: "Blue-green", strategy: "blue_green", targeting: { attribute: "internal", op: "eq", value: true } },
  { key: "rolling-1", name: "Rolling", strategy: "rolling" },
  {
    key: "toggle-1",
    name: "Toggle",
    strategy: "toggle",
    targeting: {
      any: [
        { attribute: "role", op: "in", values: ["admin", "beta"] },
        { attribute: "appVersion", op: "semver_gte", value: "2.4.0" },
      ],
    },
    forced: { "qa-user": "on" },
  },
];

function unitFor(i: number): Unit {
  return {
    userId: `user-${i}`,
    instanceId: `instance-${i % 40}`,
    attributes: { role: ["admin", "beta", "user", "user"][i % 4], appVersion: `2.${i % 7}.0`, internal: i % 10 === 0 },
  };
}

// Routes the SDK's HTTP calls to the in-process handlers (the real app code and stores).
const inProcessFetch: typeof fetch = async (input, init) => {
  const url = new URL(String(input));
  const handler = url.pathname === "/api/v1/sdk/config" ? configRoute.GET : null;
  if (!handler) return new Response("not routed in this test", { status: 404 });
  return handler(new Request(url, init), { params: Promise.resolve({}) });
};

beforeAll(async () => {
  await setupStores();
  for (const e of EXPERIMENTS) {
    expect((await call(collection.POST, { body: e })).status).toBe(201);
    expect((await call(start.POST, { params: { key: e.key }, body: {} })).status).toBe(200);
  }
});

describe("assignment", () => {
  it("answers one entry per served experiment, with the variant, exposure and stage", async () => {
    const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { userId: "u1", attributes: { role: "beta" }, log: false } });
    expect(res.status).toBe(200);
    expect(res.body.assignments.map((a: { experiment: string }) => a.experiment)).toEqual(EXPERIMENTS.map((e) => e.key));
    const canary = res.body.assignments.find((a: { experiment: string }) => a.experiment === "canary-1");
    expect(canary).toMatchObject({ strategy: "canary", stage: 5 });
    expect(["control", "treatment"]).toContain(canary.variant);
  });

  it("gives identical results through /api/v1/assign and the SDK on 10,000 units", async () => {
    const sdk = new VerdictClient({ baseUrl: "http://verdict.test", clientKey: TEST_CLIENT_KEY, fetch: inProcessFetch, refreshIntervalMs: 0, flushIntervalMs: 0 });
    await sdk.init();
    let compared = 0;
    const seen = new Set<string>();
    for (let batch = 0; batch < 10; batch++) {
      const units = Array.from({ length: 1000 }, (_, j) => unitFor(batch * 1000 + j));
      const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units, log: false } });
      expect(res.status).toBe(200);
      units.forEach((u, j) => {
        const local = sdk.getAssignments(u);
        expect(res.body.results[j].assignments).toEqual(local);
        for (const a of local) seen.add(`${a.experiment}:${a.variant}:${a.exposed}`);
        compared++;
      });
    }
    expect(compared).toBe(10_000);
    // every strategy produced both of its arms, so the comparison covered real splits
    for (const k of [
      "ab-test:a:true",
      "ab-test:b:true",
      "canary-1:treatment:true",
      "canary-1:control:true",
      "canary-1:control:false",
      "bg-1:blue:true",
      "bg-1:green:true",
      "rolling-1:new:true",
      "rolling-1:stable:true",
      "toggle-1:on:true",
      "toggle-1:off:false",
    ]) {
      expect(seen, k).toContain(k);
    }
    await sdk.close();
  });

  it("records one exposure per exposed unit and experiment, however often it is asked", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: [unitFor(1), unitFor(2), unitFor(3)] } });
      expect(res.status).toBe(200);
    }
    await flushIngestion();
    const rows = await chQuery<{ experiment: string; users: number }>("SELECT experiment, uniqExact(user_id) AS users, count() AS n FROM first_exposures GROUP BY experiment ORDER BY experiment");
    const expected = new Map<string, Set<string>>();
    const check = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: [unitFor(1), unitFor(2), unitFor(3)], log: false } });
    check.body.results.forEach((r: { assignments: { experiment: string; exposed: boolean }[] }, i: number) => {
      for (const a of r.assignments) if (a.exposed) (expected.get(a.experiment) ?? expected.set(a.experiment, new Set()).get(a.experiment)!).add(String(i));
    });
    expect(Object.fromEntries(rows.map((r) => [r.experiment, r.users]))).toEqual(Object.fromEntries([...expected].map(([k, v]) => [k, v.size])));
  });

  it("serves the snapshot with an ETag and answers 304 when unchanged", async () => {
    const first = await call(configRoute.GET, { token: TEST_CLIENT_KEY });
    expect(first.status).toBe(200);
    expect(first.body.experiments).toHaveLength(EXPERIMENTS.length);
    expect(first.body.experiments[0]).not.toHaveProperty("hypothesis");
    const etag = first.headers.get("etag")!;
    const again = await call(configRoute.GET, { token: TEST_CLIENT_KEY, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("rejects bad input with every problem listed", async () => {
    const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units: [{ userId: "" }], log: "yes" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });
});
