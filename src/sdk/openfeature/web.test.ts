/** The provider through the real @openfeature/web-sdk (synchronous evaluation, static context). */
import { OpenFeature } from "@openfeature/web-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../evaluate";
import { makeExperiment, makeSnapshot } from "../test-fixtures";
import { FakeVerdictServer } from "../test-server";
import { VerdictWebProvider } from "./index";

const server = new FakeVerdictServer();
const canary = makeExperiment({ key: "realtime-tracking", strategy: "canary", exposure: 0.2 });

beforeAll(async () => {
  server.snapshot = makeSnapshot([canary]);
  await server.start();
  await OpenFeature.setProviderAndWait(new VerdictWebProvider({ baseUrl: server.url, clientKey: "ck_web", refreshIntervalMs: 0, flushIntervalMs: 0 }));
});
afterAll(async () => {
  await OpenFeature.close();
  await server.stop();
});

describe("VerdictWebProvider with @openfeature/web-sdk", () => {
  it("evaluates synchronously against the static context and follows context changes", async () => {
    for (const userId of ["user-1", "user-2", "user-3", "user-4", "user-5"]) {
      await OpenFeature.setContext({ targetingKey: userId });
      const details = OpenFeature.getClient().getBooleanDetails("realtime-tracking", false);
      const expected = evaluate(canary, { userId });
      expect(details.value).toBe(expected.variant === "treatment");
      expect(details.reason).toBe(expected.exposed ? "SPLIT" : "DEFAULT");
    }
  });

  it("answers FLAG_NOT_FOUND for unknown flags", () => {
    expect(OpenFeature.getClient().getStringDetails("nope", "fallback")).toMatchObject({ value: "fallback", errorCode: "FLAG_NOT_FOUND" });
  });
});
