// Item 4 of issue 12: a user-written regex rule froze the server (102 s on one /assign with
// JavaScript's backtracking RegExp). Rules now run on RE2 (src/sdk/regex.ts), through the real
// experiment and assign handlers here.
import { beforeAll, describe, expect, it } from "vitest";
import * as assignRoute from "@/app/api/v1/assign/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const EVIL = { attribute: "email", op: "regex", value: "^(a+)+$" };

beforeAll(async () => {
  await setupStores();
  const created = await call(collection.POST, { body: { key: "redos", name: "ReDoS", strategy: "toggle", targeting: EVIL } });
  expect(created.status).toBe(201);
  expect((await call(start.POST, { params: { key: "redos" }, body: {} })).status).toBe(200);
});

describe("regex targeting through /assign", () => {
  it("answers the pathological pattern quickly, for the issue's input and a 1,000-character one", async () => {
    // warm: the first request loads and compiles the snapshot; then the median of 20 requests,
    // against the same request with an ordinary email (what the rest of the handler costs)
    const assignOnce = (email: string) => call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { userId: "u1", attributes: { email }, log: false } });
    await assignOnce("x");
    const median = async (email: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        expect((await assignOnce(email)).status).toBe(200);
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b)[10];
    };
    const ordinary = await median("ann@example.com");
    const single = await median("a".repeat(31) + "!");
    console.log(`[redos] /assign median of 20 with the issue's input ("a"*31+"!"): ${single.toFixed(2)} ms; with an ordinary email: ${ordinary.toFixed(2)} ms (was 102 s)`);
    expect(single).toBeLessThan(1000); // generous for a loaded machine; the issue measured 102 s
    const issue = await assignOnce("a".repeat(31) + "!");
    expect(issue.status).toBe(200);
    expect(issue.body.assignments[0]).toMatchObject({ experiment: "redos", variant: "off", exposed: false });
    const units = Array.from({ length: 1000 }, (_, i) => ({ userId: `u${i}`, attributes: { email: "a".repeat(999 - (i % 50)) + "!" } }));
    const started = performance.now();
    const batch = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units, log: false } });
    const ms = performance.now() - started;
    expect(batch.status).toBe(200);
    expect(batch.body.results).toHaveLength(1000);
    console.log(`[redos] /assign batch of 1,000 units on ^(a+)+$ (~1,000-character emails): ${ms.toFixed(1)} ms (${(ms / 1000).toFixed(3)} ms per unit)`);
    // only that it completes: a backtracking engine needs 2^1000 steps for one of these units
    expect(ms).toBeLessThan(20_000);
    const match = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { userId: "u1", attributes: { email: "aaaa" }, log: false } });
    expect(match.body.assignments[0].exposed).toBe(true);
  });

  it.each([
    ["a backreference", "^(a)\\1$"],
    ["a lookahead", "^a(?=b)"],
    ["a lookbehind", "(?<=a)b"],
    ["a JavaScript-only escape", "\\u00e9"],
  ])("refuses %s on write with 400 naming the rule's value", async (_what, value) => {
    const res = await call(collection.POST, {
      body: { key: `bad-${Math.random().toString(36).slice(2, 8)}`, name: "bad", strategy: "toggle", targeting: { all: [{ attribute: "email", op: "regex", value }] } },
    });
    expect(res.status).toBe(400);
    const details = res.body.error.details as { path: string; message: string }[];
    expect(details, JSON.stringify(details)).toEqual([expect.objectContaining({ path: "targeting.all.0.value", message: expect.stringMatching(/RE2 syntax/) })]);
  });
});
