/** Builders shared by the SDK tests, the cases.json generator and the benchmark. */
import type { Snapshot, SnapshotExperiment } from "@/sdk/types";

/** A valid running experiment; override only what a test is about. */
export function makeExperiment(overrides: Partial<SnapshotExperiment> & { key?: string } = {}): SnapshotExperiment {
  const key = overrides.key ?? "exp";
  const strategy = overrides.strategy ?? "ab";
  const isBlueGreen = strategy === "blue_green";
  const variants =
    overrides.variants ??
    (isBlueGreen
      ? [
          { key: "blue", weight: 0.5 },
          { key: "green", weight: 0.5 },
        ]
      : [
          { key: "control", weight: 0.5 },
          { key: "treatment", weight: 0.5 },
        ]);
  return {
    key,
    strategy,
    status: "running",
    seed: `${key}:salt1`,
    hashAttribute: strategy === "rolling" ? "instanceId" : "userId",
    variants,
    control: variants[0].key,
    treatment: variants[1].key,
    exposure: 1,
    targeting: null,
    forced: {},
    layer: null,
    enabled: true,
    live: isBlueGreen ? variants[0].key : null,
    shipped: null,
    ...overrides,
  };
}

export function makeSnapshot(experiments: SnapshotExperiment[]): Snapshot {
  return { version: 1, hashVersion: 1, generatedAt: "2026-01-01T00:00:00.000Z", experiments };
}

/** Deterministic PRNG so property tests are reproducible: the same mulberry32 the simulations use. */
export { mulberry32 as prng } from "../analysis/random";
