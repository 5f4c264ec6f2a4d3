/** The provider through the real @openfeature/web-sdk (synchronous evaluation, static context). */
import { OpenFeature, ProviderEvents } from "@openfeature/web-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evaluate } from "@/sdk/evaluate";
import { makeExperiment, makeSnapshot } from "../../../helpers/sdk/fixtures";
import { FakeVerdictServer } from "../../../helpers/sdk/fake-server";
import { VerdictWebProvider } from "@/sdk/openfeature";

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

  it("emits ConfigurationChanged with the changed flags when a new snapshot is pushed on the stream", async () => {
    const events: { flagsChanged?: string[] }[] = [];
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (details) => void events.push({ flagsChanged: details?.flagsChanged as string[] | undefined }));
    await vi.waitFor(() => expect(server.openStreams).toBe(1));
    server.snapshot = makeSnapshot([makeExperiment({ key: "realtime-tracking", strategy: "canary", exposure: 0.2, status: "rolled_back" })]);
    server.etag = '"v2"';
    server.push();
    await vi.waitFor(() => expect(events).toEqual([{ flagsChanged: ["realtime-tracking"] }]));
    expect(OpenFeature.getClient().getBooleanValue("realtime-tracking", true)).toBe(false);
  });
});
