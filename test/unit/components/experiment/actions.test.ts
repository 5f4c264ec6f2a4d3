import { describe, expect, it } from "vitest";
import { availableActions } from "@/components/experiment/actions";

const canary = {
  key: "c1",
  strategy: "canary",
  status: "running",
  state: { stageIndex: 0, exposure: 5, live: null, enabled: true, shipped: null, stageStartedAt: null },
  rollout: { stages: [5, 20, 50, 100] },
  control: "control",
  treatment: "treatment",
  variants: [
    { key: "control", weight: 0.5 },
    { key: "treatment", weight: 0.5 },
  ],
  rollbackPlan: { databaseBackwardCompatible: true, target: null },
} as never;

describe("availableActions", () => {
  it("makes advancing the prominent action only when the engine recommends it", () => {
    const promote = (rec: Parameters<typeof availableActions>[1]) => availableActions(canary, rec).find((a) => a.id === "promote")!;
    expect(promote("promote")).toMatchObject({ label: "Advance to 20 %", tone: "success", reason: "optional" });
    for (const rec of ["hold", "rollback", null] as const) {
      const a = promote(rec);
      expect(a).toMatchObject({ label: "Advance to 20 %", tone: "secondary", reason: "required" });
      expect(a.description).toContain(`Against the engine's recommendation (${rec?.toUpperCase() ?? "none yet"})`);
    }
  });
});
