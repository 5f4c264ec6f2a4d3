/* eslint-disable @typescript-eslint/no-explicit-any -- route responses are asserted field by field */
// The rollback drill measures propagation through /assign's dry-run channel: the probe unit sees the
// drilled state (and is never logged), every other unit keeps the live state, during the drill and after.
import { beforeAll, describe, expect, it } from "vitest";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as drill from "@/app/api/v1/experiments/[key]/drill/route";
import * as streamRoute from "@/app/api/v1/sdk/stream/route";
import { chQuery } from "@/db/clickhouse/client";
import { openDryRun } from "@/server/assignment/dry-run";
import { applyPatch, rollbackPatch } from "@/server/decisions/transitions";
import { getExperiment } from "@/server/experiments/get";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

beforeAll(setupStores);

async function running(key: string): Promise<void> {
  expect((await call(collection.POST, { body: { key, name: key, strategy: "canary", rollout: { stages: [50, 100] } } })).status).toBe(201);
  expect((await call(start.POST, { params: { key }, body: {} })).status).toBe(200);
}

async function assignments(key: string, units: { userId: string }[], log = false): Promise<any[]> {
  const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units, log } });
  expect(res.status).toBe(200);
  return res.body.results.map((r: any) => r.assignments.find((a: any) => a.experiment === key));
}

const users = (n: number, prefix = "u") => Array.from({ length: n }, (_, i) => ({ userId: `${prefix}-${i}` }));

describe("rollback drill: measured propagation", () => {
  it("reports the milliseconds until an in-process /assign of the probe unit, and the open streams, got the drill", async () => {
    await running("drill-measured");
    // one open snapshot stream, read as a client would
    const streamRes = await streamRoute.GET(new Request("http://localhost/api/v1/sdk/stream", { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } }), { params: Promise.resolve({}) });
    expect(streamRes.status).toBe(200);
    const reader = streamRes.body!.getReader();
    let received = "";
    const sawDrill = (async () => {
      while (!received.includes(": drill drill-measured")) {
        const { value, done } = await reader.read();
        if (done) return false;
        received += new TextDecoder().decode(value);
      }
      return true;
    })();
    const res = await call(drill.POST, { params: { key: "drill-measured" }, body: {} });
    expect(res.status).toBe(201);
    const p = res.body.propagation;
    expect(res.body.ok).toBe(true);
    expect(p.probes).toHaveLength(2);
    expect(p.probes[0]).toMatchObject({ name: "assign", variant: "control" });
    expect(p.probes[0].attempts).toBeGreaterThanOrEqual(1);
    // a measurement (the snapshot's rebuild from the config store plus the evaluation), not TTL + refresh arithmetic
    expect(p.probes[0].ms).toBeGreaterThan(0);
    // the stream path: a no-op comment through the fan-out reached the open stream (clients ignore comments)
    expect(p.probes[1]).toMatchObject({ name: "stream (1 open)", variant: null });
    expect(p.probes[1].ms).toBeGreaterThan(0);
    expect(await sawDrill).toBe(true);
    await reader.cancel();
    expect(p.measuredMs).toBe(Math.max(p.probes[0].ms, p.probes[1].ms));
    console.log(`[decisions-drill] propagation measured: ${p.measuredMs} ms (snapshot build ${p.buildMs} ms, ${p.probes[0].attempts} attempt(s))`);
    expect(p).not.toHaveProperty("snapshotTtlMs");
    expect(p).not.toHaveProperty("sdkClientsMs");
    const listed = await call(drill.GET, { params: { key: "drill-measured" } });
    expect(listed.body.drills[0].propagation).toEqual(p);
    // real traffic was never touched
    expect((await getExperiment({ key: "drill-measured" })).status).toBe("running");
    expect((await assignments("drill-measured", users(200))).some((a) => a.variant === "treatment")).toBe(true);
  });

  it("the dry-run channel serves the drilled state to its probe unit only, never logs it, and closes", async () => {
    await running("drill-channel");
    const e = await getExperiment({ key: "drill-channel" });
    const channel = openDryRun([applyPatch(e, rollbackPatch(e, new Date()))]);
    try {
      const mixed = [...users(300, "live"), { userId: channel.probeId }];
      const got = await assignments("drill-channel", mixed, true);
      const probe = got.at(-1);
      expect(probe).toMatchObject({ variant: "control", exposed: false });
      const live = got.slice(0, -1);
      expect(live.some((a) => a.variant === "treatment" && a.exposed)).toBe(true);
      // another unit claiming to be "a probe" with a guessed id gets the live state
      const [guess] = await assignments("drill-channel", [{ userId: "drill-probe-00000000-0000-4000-8000-000000000000" }]);
      expect(guess.exposed).toBe(true);
    } finally {
      channel.close();
    }
    await flushIngestion();
    const [row] = await chQuery<{ probe: number; live: number }>(
      "SELECT countIf(user_id = {probe:String}) AS probe, countIf(startsWith(user_id, 'live-')) AS live FROM first_exposures WHERE experiment = 'drill-channel'",
      { probe: channel.probeId },
    );
    expect(Number(row.probe)).toBe(0);
    expect(Number(row.live)).toBe(300);
    // closed: the probe id is an ordinary unit again
    const [after] = await assignments("drill-channel", [{ userId: channel.probeId }]);
    expect(after.exposed).toBe(true);
  });
});
