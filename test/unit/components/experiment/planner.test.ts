// The planner sizes for the always-valid sequential test (issue 14), not a fixed-horizon test.
import { DEFAULT_SEQUENTIAL_TUNING, sampleSizeForProportions, sequentialSampleSizeForProportions } from "@analysis";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { Experiment } from "@/server/experiments/types";
import { Planner } from "@/components/experiment/planner";
import type { ResultsView } from "@/server/dashboard/view";

describe("Planner", () => {
  it("shows the sequential test's users per arm", () => {
    const experiment = {
      key: "p",
      strategy: "ab",
      metrics: { primary: "engagement_rate", alpha: 0.05 },
      state: { exposure: 100 },
      startedAt: new Date(Date.now() - 86_400_000).toISOString(),
      rollout: { stages: [100] },
    } as unknown as Experiment;
    const results = {
      metrics: [{ metric: "engagement_rate", unit: "share", control: { value: 0.1, variance: 0.09 } }],
      arms: [{ exposures: 1000 }, { exposures: 1000 }],
    } as unknown as ResultsView;
    const html = renderToStaticMarkup(createElement(Planner, { experiment, results }));
    const seq = sequentialSampleSizeForProportions({ baselineRate: 0.1, mde: 0.05, relative: true }, { tuning: DEFAULT_SEQUENTIAL_TUNING }).control;
    const fixed = sampleSizeForProportions({ baselineRate: 0.1, mde: 0.05, relative: true }).control;
    expect(html).toContain(seq.toLocaleString("en"));
    expect(html).not.toContain(fixed.toLocaleString("en"));
    expect(html).toMatch(/sequential/);
  });
});
