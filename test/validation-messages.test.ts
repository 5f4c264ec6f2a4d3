// Bad input gets a message a person can act on, naming the field: not zod's "(root): Invalid input"
// for a union, nor "Too small: expected string to have >=1 characters".
import { beforeAll, describe, expect, it } from "vitest";
import * as assign from "@/app/api/v1/assign/route";
import * as experiments from "@/app/api/v1/experiments/route";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";

beforeAll(setupStores);

describe("validation messages", () => {
  it("names the field of a single-unit assignment through the union of the two body forms", async () => {
    const res = await call(assign.POST, { token: TEST_CLIENT_KEY, body: { userId: 123 } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe("Invalid request body: userId must be a string, not a number");
    expect(res.body.error.details).toEqual([{ path: "userId", message: "must be a string, not a number", code: "invalid_type" }]);

    const attr = await call(assign.POST, { token: TEST_CLIENT_KEY, body: { userId: "u1", attributes: { plan: { tier: 1 } } } });
    expect(attr.body.error.details).toEqual([{ path: "attributes.plan", message: "must be a string, a number or a boolean", code: "invalid_type" }]);

    const batch = await call(assign.POST, { token: TEST_CLIENT_KEY, body: { units: [{ userId: "" }] } });
    expect(batch.body.error.details[0]).toMatchObject({ path: "units.0.userId", message: "must not be empty" });
  });

  it("words form errors of an experiment as sentences about each field", async () => {
    const res = await call(experiments.POST, { body: { key: "ok-key", name: "", strategy: "nope", extra: 1 } });
    expect(res.status).toBe(400);
    const byPath = Object.fromEntries(res.body.error.details.map((d: { path: string; message: string }) => [d.path, d.message]));
    expect(byPath.name).toBe("must not be empty");
    expect(byPath.strategy).toBe('must be one of "ab", "canary", "blue_green", "rolling", "toggle"');
    expect(byPath["(root)"]).toBe("unknown field 'extra'");
    expect(res.body.error.message).toContain("name must not be empty");
  });
});
