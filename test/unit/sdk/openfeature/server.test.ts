/** The provider through the real @openfeature/server-sdk, against a real local HTTP server. */
import { OpenFeature, ProviderEvents } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evaluate } from "@/sdk/evaluate";
import { makeExperiment, makeSnapshot } from "../../../helpers/sdk/fixtures";
import { FakeVerdictServer } from "../../../helpers/sdk/fake-server";
import { VerdictProvider } from "@/sdk/openfeature";

const server = new FakeVerdictServer();
let provider: VerdictProvider;
const toggle = makeExperiment({
  key: "dark-mode",
  strategy: "toggle",
  exposure: 0.5,
  targeting: { attribute: "plan", op: "eq", value: "pro" },
  variants: [
    { key: "off", weight: 0.5 },
    { key: "on", weight: 0.5 },
  ],
  control: "off",
  treatment: "on",
  forced: { "qa-anna": "on" },
});
const ab = makeExperiment({
  key: "checkout",
  variants: [
    { key: "control", weight: 0.5 },
    { key: "one-page", weight: 0.5 },
  ],
  treatment: "one-page",
});
const numeric = makeExperiment({
  key: "page-size",
  variants: [
    { key: "20", weight: 0.5 },
    { key: "50", weight: 0.5 },
  ],
  control: "20",
  treatment: "50",
});
const killed = makeExperiment({ key: "killed", enabled: false });

beforeAll(async () => {
  server.snapshot = makeSnapshot([toggle, ab, numeric, killed]);
  await server.start();
  provider = new VerdictProvider({ baseUrl: server.url, clientKey: "ck_of", refreshIntervalMs: 0, flushIntervalMs: 0 });
  await OpenFeature.setProviderAndWait(provider);
});
afterAll(async () => {
  await OpenFeature.close();
  await server.stop();
});

describe("VerdictProvider with @openfeature/server-sdk", () => {
  const client = () => OpenFeature.getClient();

  it("initialises from /api/v1/sdk/config", () => {
    expect(server.configRequests[0]).toMatchObject({ authorization: "Bearer ck_of" });
    expect(OpenFeature.providerMetadata.name).toBe("verdict");
  });

  it("resolves boolean flags exactly like the evaluator, with SPLIT / DEFAULT reasons", async () => {
    for (let i = 0; i < 300; i++) {
      const context = { targetingKey: `user-${i}`, plan: i % 3 === 0 ? "free" : "pro" };
      const details = await client().getBooleanDetails("dark-mode", false, context);
      const expected = evaluate(toggle, { userId: context.targetingKey, attributes: { plan: context.plan } });
      expect(details.value).toBe(expected.variant === "on");
      expect(details.variant).toBe(expected.variant);
      expect(details.reason).toBe(context.plan === "free" ? "DEFAULT" : "SPLIT");
      expect(details.flagMetadata).toMatchObject({ exposed: expected.exposed, strategy: "toggle", stage: 50 });
    }
  });

  it("reports forced users as TARGETING_MATCH and kill-switched flags as DISABLED", async () => {
    expect(await client().getBooleanDetails("dark-mode", false, { targetingKey: "qa-anna", plan: "free" })).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    expect(await client().getBooleanDetails("killed", true, { targetingKey: "u1" })).toMatchObject({ value: false, reason: "DISABLED" });
  });

  it("resolves string, number and object flags", async () => {
    const context = { targetingKey: "user-42" };
    const expected = evaluate(ab, { userId: "user-42", attributes: {} });
    expect(await client().getStringValue("checkout", "control", context)).toBe(expected.variant);
    expect(await client().getBooleanValue("checkout", false, context)).toBe(expected.variant === "one-page");
    const size = await client().getNumberValue("page-size", 0, context);
    expect([20, 50]).toContain(size);
    expect(await client().getObjectValue("checkout", {}, context)).toEqual({ ...expected });
    expect(await client().getNumberDetails("checkout", 7, context)).toMatchObject({ value: 7, errorCode: "TYPE_MISMATCH" });
  });

  it("answers FLAG_NOT_FOUND with the default value for unknown flags", async () => {
    const details = await client().getBooleanDetails("no-such-flag", true, { targetingKey: "u1" });
    expect(details).toMatchObject({ value: true, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
  });

  it("logs exposures and OpenFeature track() calls as Verdict events", async () => {
    await client().getStringValue("checkout", "control", { targetingKey: "user-7" });
    client().track("page_load", { targetingKey: "user-7" }, { value: 812, page: "tracking" });
    client().track("orders_placed", { targetingKey: "user-7" }, { value: 2 });
    await provider.client.flush();
    expect(server.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "exposure", userId: "user-7", experiment: "checkout" }),
        expect.objectContaining({ type: "page_load", userId: "user-7", value: 812, properties: { page: "tracking" } }),
        expect.objectContaining({ type: "metric", name: "orders_placed", userId: "user-7", value: 2 }),
      ]),
    );
  });

  it("emits ConfigurationChanged with the changed flags when a new snapshot is pushed on the stream", async () => {
    const events: { flagsChanged?: string[] }[] = [];
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (details) => void events.push({ flagsChanged: details?.flagsChanged as string[] | undefined }));
    await vi.waitFor(() => expect(server.openStreams).toBe(1));
    server.snapshot = makeSnapshot([toggle, ab, numeric, makeExperiment({ key: "killed", enabled: true, status: "rolled_back" })]);
    server.etag = '"v2"';
    server.push();
    await vi.waitFor(() => expect(events).toEqual([{ flagsChanged: ["killed"] }]));
    expect(await OpenFeature.getClient().getBooleanValue("killed", true, { targetingKey: "u1" })).toBe(false);
  });
});
