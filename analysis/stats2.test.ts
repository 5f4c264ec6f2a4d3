// Regression tests of issue 14 (Statistics II) against analysis/fixtures/stats2.json, which
// analysis/fixtures/generate_stats2.py computes independently (exact sums / mpmath / fractions).
import { describe, it } from "vitest";
import stats2 from "./fixtures/stats2.json";
import { expectClose, type FixtureNumber } from "./testing/helpers";
import { bayesianProportions } from "./index";

type Any = Record<string, never>;
const ref = stats2 as unknown as { bayes: Any[]; unpooled: Any[]; relative: Record<string, Any[]>; precision: Any[] };
const n = (x: unknown) => x as FixtureNumber;

describe("defects 1–2: bayesianProportions vs Evan Miller's exact sums (60 digits)", () => {
  it.each(ref.bayes)("$control vs $treatment", (c) => {
    const r = bayesianProportions(c.control, c.treatment);
    expectClose(r.chanceToBeatControl, n(c.chanceToBeatControl), 0, 1e-7, "chance to beat");
    // relative 1e-6 also where the loss is ~1e-12 (the 1 − cdf form lost it there)
    expectClose(r.expectedLoss.treatment, n(c.expectedLossTreatment), 1e-6, 1e-300, "loss of shipping treatment");
    expectClose(r.expectedLoss.control, n(c.expectedLossControl), 1e-6, 1e-300, "loss of shipping control");
  });
});
