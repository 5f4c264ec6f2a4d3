// The demo seed: on a fresh install it creates the demo experiments, starts them and sends simulated
// users through the public API (a client key of its own, revoked afterwards); it runs once.
import { beforeAll, describe, expect, it } from "vitest";
import { chQuery } from "@/db/clickhouse/client";
import { SYSTEM } from "@/server/auth/principal";
import { seedDemo } from "@/server/demo/seed";
import { createExperiment } from "@/server/experiments/create";
import { startExperiment } from "@/server/experiments/lifecycle";
import { CreateExperimentSchema } from "@/server/experiments/schemas";
import { listExperiments } from "@/server/experiments/list";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { listApiKeys } from "@/server/keys/list";
import { setupStores } from "./helpers/app";


beforeAll(setupStores);

describe("demo seed", () => {
  it("creates and starts the demo experiments, fills them with traffic, and runs only once", async () => {
    // an experiment a user starts while the seed runs (first minute of a fresh install)
    const seeding = seedDemo({ users: 600 });
    await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key: "users-own", name: "User's own", strategy: "ab" }) });
    await startExperiment({ actor: SYSTEM, key: "users-own" });
    const first = await seeding;
    expect(first).toMatchObject({ seeded: true, users: 600 });
    expect(first.events).toBeGreaterThan(600 * 5);
    const experiments = await listExperiments({});
    const byKey = Object.fromEntries(experiments.map((e) => [e.key, e]));
    expect(byKey["realtime-tracking"]).toMatchObject({ name: "Real-time delivery tracking", strategy: "canary", status: "running", automation: "manual" });
    expect(byKey["realtime-tracking"].hypothesis).toMatch(/courier/);
    expect(byKey["checkout-button-copy"]).toMatchObject({ strategy: "ab", status: "running" });
    expect(byKey["dark-mode"]).toMatchObject({ strategy: "toggle", status: "running" });

    await flushIngestion();
    const exposures = await chQuery<{ experiment: string; variant: string; n: number }>(
      "SELECT experiment, variant, uniqExact(user_id) AS n FROM events WHERE type = 'exposure' GROUP BY experiment, variant ORDER BY experiment, variant",
    );
    const n = (experiment: string, variant: string) => exposures.find((r) => r.experiment === experiment && r.variant === variant)?.n ?? 0;
    expect(n("realtime-tracking", "control")).toBeGreaterThan(20);
    expect(n("realtime-tracking", "treatment")).toBeGreaterThan(20);
    expect(n("checkout-button-copy", "control") + n("checkout-button-copy", "treatment")).toBe(600);
    // the user's experiment got none of the demo's traffic
    expect(n("users-own", "control") + n("users-own", "treatment")).toBe(0);
    // dark mode starts with staff only (about 3 % of the simulated users)
    expect(n("dark-mode", "on")).toBeGreaterThan(0);
    expect(n("dark-mode", "on")).toBeLessThan(60);

    const keys = await listApiKeys();
    const demoKey = keys.find((k) => k.name === "demo traffic simulator");
    expect(demoKey?.revokedAt).toBeTruthy();

    expect(await seedDemo({ users: 600 })).toMatchObject({ seeded: false });
    expect((await listExperiments({})).length).toBe(experiments.length);
    expect(experiments.map((e) => e.key)).toContain("users-own");
  });
});
