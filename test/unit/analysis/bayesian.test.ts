import { describe, expect, it } from "vitest";
import reference from "../../fixtures/analysis/reference.json";
import { expectClose } from "../../helpers/analysis/helpers";
import { bayesianMeans, bayesianProportions } from "@analysis";

describe("bayesianProportions vs scipy integrate.quad", () => {
  it.each(reference.bayes)("$control vs $treatment", (c) => {
    const r = bayesianProportions(c.control, c.treatment);
    expectClose(r.chanceToBeatControl, c.chanceToBeatControl, 1e-7, 1e-12, "chance");
    expectClose(r.expectedLoss.treatment, c.expectedLossTreatment, 1e-6, 1e-12, "loss t");
    expectClose(r.expectedLoss.control, c.expectedLossControl, 1e-6, 1e-12, "loss c");
  });
  it("loss identity: E[(T−C)+] − E[(C−T)+] = E[T] − E[C]", () => {
    const r = bayesianProportions({ n: 200, successes: 30 }, { n: 210, successes: 40 });
    expectClose(r.expectedLoss.control - r.expectedLoss.treatment, 41 / 212 - 31 / 202, 1e-8);
  });
  it("is symmetric for identical arms and defined for empty arms", () => {
    const r = bayesianProportions({ n: 100, successes: 10 }, { n: 100, successes: 10 });
    expectClose(r.chanceToBeatControl, 0.5, 1e-9);
    const e = bayesianProportions({ n: 0, successes: 0 }, { n: 0, successes: 0 });
    expectClose(e.chanceToBeatControl, 0.5, 1e-9);
    expect(e.degenerate).toBe("empty-arm");
  });
});

describe("bayesianMeans (closed form)", () => {
  it("chance is Φ(Δ/se) and losses satisfy the identity", () => {
    const c = { n: 100, sum: 1000, sumSquares: 100 * 100 + 99 * 4 };
    const t = { n: 100, sum: 1050, sumSquares: 100 * 10.5 ** 2 + 99 * 4 };
    const r = bayesianMeans(c, t);
    expectClose(r.chanceToBeatControl, 0.9614500641282292, 1e-12); // Φ(0.5 / sqrt(0.08)) from scipy.stats.norm.cdf
    expectClose(r.expectedLoss.control - r.expectedLoss.treatment, 0.5, 1e-12);
  });
  it("defined for n < 2 and zero variance", () => {
    expect(bayesianMeans({ n: 1, sum: 3, sumSquares: 9 }, { n: 5, sum: 5, sumSquares: 6 }).degenerate).toBe("insufficient-data");
    const z = bayesianMeans({ n: 3, sum: 3, sumSquares: 3 }, { n: 3, sum: 6, sumSquares: 12 });
    expect(z).toMatchObject({ chanceToBeatControl: 1, expectedLoss: { control: 1, treatment: 0 }, degenerate: "zero-variance" });
  });
});
