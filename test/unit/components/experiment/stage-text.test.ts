import { describe, expect, it } from "vitest";
import { stageText } from "@/components/experiment/stage-text";

const state = { stageIndex: 0, exposure: 100, live: null, enabled: true, shipped: null, stageStartedAt: null };

describe("stageText", () => {
  it("describes a toggle by its groups, not as canary stages", () => {
    const rollout = {
      stages: [100, 100, 10],
      groups: [
        { name: "admins", rule: null, percentage: 100 },
        { name: "beta users", rule: null, percentage: 100 },
        { name: "everyone", rule: null, percentage: 10 },
      ],
    };
    expect(stageText({ strategy: "toggle", state, rollout } as never)).toBe("on for admins · group 1 of 3");
    expect(stageText({ strategy: "toggle", state, rollout: { ...rollout, holdback: 10 } } as never)).toBe("on for admins · group 1 of 3 · holdback 10 % off");
    expect(stageText({ strategy: "toggle", state: { ...state, stageIndex: 2, exposure: 10 }, rollout } as never)).toBe("on for admins, beta users, everyone (10 %) · group 3 of 3");
    expect(stageText({ strategy: "toggle", state: { ...state, enabled: false }, rollout } as never)).toBe("off (kill switch)");
  });

  it("describes a blue-green's bake", () => {
    expect(stageText({ strategy: "blue_green", state: { ...state, live: "blue" }, rollout: {} } as never)).toBe("live: blue");
    expect(stageText({ strategy: "blue_green", state: { ...state, live: "green", phase: "bake", previousLive: "blue" }, rollout: {} } as never)).toBe("live: green · baking, blue kept ready");
  });

  it("describes a canary by its stages", () => {
    expect(stageText({ strategy: "canary", state: { ...state, exposure: 20, stageIndex: 1 }, rollout: { stages: [5, 20, 50, 100] } } as never)).toBe("stage 20 % of 5 → 20 → 50 → 100 %");
  });
});
