// The experiment page's novelty card: the warning banner when the effect trends, the empty state
// below two days of data, and "not available" for a percentile primary (server-rendered markup).
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { NoveltyCard } from "@/components/experiment/novelty-section";
import type { NoveltyCardView } from "@/server/dashboard/novelty-card";

const view = (over: Partial<NoveltyCardView> = {}): NoveltyCardView => ({
  metric: "engagement_per_user",
  label: "Engagements per user",
  unit: "count",
  control: "control",
  treatment: "treatment",
  unavailable: null,
  points: [0, 1, 2, 3].map((day) => ({ day, effect: 1.5 / (1 + day), band: [1 / (1 + day), 2 / (1 + day)], units: 1000 - 100 * day, used: true })),
  trend: "-0.400 per day over 4 days (p < 0.001)",
  warning: "The effect is shrinking with time since exposure (p < 0.001): a novelty effect; the long-run effect may be smaller.",
  method: "…",
  ...over,
});
const html = (v: NoveltyCardView) => renderToStaticMarkup(createElement(NoveltyCard, { view: v }));

describe("NoveltyCard", () => {
  it("shows the warning as an alert with the trend", () => {
    const out = html(view());
    expect(out).toContain('role="alert"');
    expect(out).toContain("The effect is shrinking with time since exposure (p &lt; 0.001): a novelty effect; the long-run effect may be smaller.");
    expect(out).toContain("Trend: -0.400 per day over 4 days (p &lt; 0.001).");
    expect(out).not.toContain("Needs units exposed");
  });

  it("no warning when the effect does not trend; an empty state below two days; not available for a percentile primary", () => {
    expect(html(view({ warning: null }))).not.toContain('role="alert"');
    expect(html(view({ points: view().points.slice(0, 1), warning: null, trend: null }))).toContain("Needs units exposed at least two full days ago.");
    expect(html(view({ points: [], warning: null, trend: null, unavailable: "a percentile metric has no per-unit daily values" }))).toContain(
      "Not available: a percentile metric has no per-unit daily values.",
    );
  });
});
