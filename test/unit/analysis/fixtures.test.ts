// Agreement with scipy / statsmodels reference values (analysis/fixtures/generate.py).
import { describe, expect, it } from "vitest";
import reference from "../../fixtures/analysis/reference.json";
import stats2 from "../../fixtures/analysis/stats2.json";
import { expectClose, type FixtureNumber } from "../../helpers/analysis/helpers";
import { adjustPValues, fisherExactTest, mannWhitneyU, ratioEstimate, ratioTest, srmTest, twoProportionTest, welchTTest } from "@analysis";
import type { Alternative } from "@analysis";
import { chiSquareSf, normalQuantile, normalSf, tCdf, tQuantile, tSf } from "@analysis/dist";

const ref = reference as unknown as Record<string, never>;
type Any = Record<string, never>;
const cases = (name: string): Any[] => ref[name] as unknown as Any[];
const n = (x: unknown) => x as FixtureNumber;

describe("distribution tails (stdlib) vs scipy", () => {
  const t = reference.tails as Record<string, FixtureNumber>;
  it("t tail at df = 3, t = 50", () => {
    expectClose(tSf(50, 3), t.tSf_50_df3, 1e-9);
    expectClose(tCdf(-50, 3), t.tCdf_m50_df3, 1e-9);
  });
  it("normal quantile at 1e-10 and sf at 30", () => {
    expectClose(normalQuantile(1e-10), t["normPpf_1e-10"], 1e-14);
    expectClose(normalQuantile(0.975), t["normPpf_0.975"], 1e-14);
    expectClose(normalSf(30), t.normSf_30, 1e-9);
  });
  it("chi-square upper tail and fractional-df t quantile", () => {
    expectClose(chiSquareSf(200, 2), t.chi2Sf_200_df2, 1e-9);
    expectClose(chiSquareSf(0.5, 3), t["chi2Sf_0.5_df3"], 1e-12);
    expectClose(tQuantile(0.975, 7.5), t["tPpf_0.975_df7.5"], 1e-10);
  });
});

describe("twoProportionTest vs statsmodels proportions_ztest / confint_proportions_2indep(wald)", () => {
  it.each(cases("proportions"))("$control vs $treatment ($alternative)", (c) => {
    const r = twoProportionTest(c.control, c.treatment, { alternative: c.alternative as Alternative });
    expectClose(r.statistic, n(c.z), 1e-9, 0, "z");
    expectClose(r.pValue, n(c.pValue), 1e-9, 1e-300, "p");
    const two = twoProportionTest(c.control, c.treatment);
    expectClose(two.absolute.lower, n(c.waldLower95), 1e-9, 1e-15, "lower");
    expectClose(two.absolute.upper, n(c.waldUpper95), 1e-9, 1e-15, "upper");
  });
});

describe("welchTTest vs scipy ttest_ind(equal_var=False) and statsmodels tconfint_diff", () => {
  const logRatio = stats2.relative.welch as { index: number; relative: Record<string, FixtureNumber> }[];
  it.each(cases("welch").map((c, i) => ({ ...c, i }) as unknown as Any))("case $i ($alternative)", (c) => {
    const i = c.i as number;
    const r = welchTTest(c.control, c.treatment, { alternative: c.alternative as Alternative });
    // Summary-statistic variances lose ~ε·(mean/sd)² relative precision; the fixtures keep that tiny.
    expectClose(r.statistic, n(c.t), 1e-9, 0, "t");
    expectClose(r.pValue, n(c.pValue), 1e-9, 0, "p");
    expectClose(r.df!, n(c.df), 1e-9, 0, "df");
    expectClose(r.absolute.lower, n(c.lower95), 1e-9, 0, "lower");
    expectClose(r.absolute.upper, n(c.upper95), 1e-9, 0, "upper");
    expectClose(r.control.variance, n(c.controlVariance), 1e-9, 0, "var c");
    expectClose(r.treatment.variance, n(c.treatmentVariance), 1e-9, 0, "var t");
    // the fixture is mt/mc − 1; the lift is (mt − mc)/|mc| (issue 14), the same up to the sign of mc
    const sign = (c.control as unknown as { sum: number }).sum < 0 ? -1 : 1;
    expectClose(r.relative.estimate, sign * (c.relative as number), 1e-9, 1e-15, "relative");
    // relative intervals are log-ratio intervals (issue 14), computed in mpmath by generate_stats2.py
    const log = logRatio.find((x) => x.index === i);
    if (log) {
      expectClose(r.relative.lower, log.relative.lower, 1e-9, 0, "relative lower");
      expectClose(r.relative.upper, log.relative.upper, 1e-9, 0, "relative upper");
    }
  });
});

describe("mannWhitneyU vs scipy mannwhitneyu(treatment, control, method='asymptotic')", () => {
  it.each(cases("mannWhitney"))("case %# ($alternative, cc=$continuityCorrection)", (c) => {
    const r = mannWhitneyU(c.control, c.treatment, { alternative: c.alternative as Alternative, continuityCorrection: c.continuityCorrection });
    expect(r.u).toBe(n(c.u));
    expectClose(r.pValue, n(c.pValue), 1e-9, 0, "p");
  });
});

describe("srmTest vs scipy chisquare", () => {
  it.each(cases("srm"))("$observed against $weights", (c) => {
    const r = srmTest(c.observed, c.weights);
    expectClose(r.chiSquare, n(c.chiSquare), 1e-9, 0, "chi2");
    expect(r.df).toBe(c.df);
    expectClose(r.pValue, n(c.pValue), 1e-9, 0, "p");
  });
});

describe("adjustPValues vs statsmodels multipletests", () => {
  it.each(cases("multiple"))("$method %#", (c) => {
    const adj = adjustPValues((c.pValues as FixtureNumber[]).map(n) as number[], c.method);
    (c.adjusted as FixtureNumber[]).forEach((e, i) => expectClose(adj[i], e, 1e-12, 0, `[${i}]`));
  });
});

describe("fisherExactTest vs scipy fisher_exact", () => {
  it.each(cases("fisher"))("$table ($alternative)", (c) => {
    const r = fisherExactTest(c.table, { alternative: c.alternative as Alternative });
    expectClose(r.pValue, n(c.pValue), 1e-9, 0, "p");
    expectClose(r.oddsRatio!, n(c.oddsRatio), 1e-12, 0, "odds");
  });
});

describe("ratioTest vs the delta method computed in numpy from raw per-user data", () => {
  it.each(cases("ratio"))("case %#", (c) => {
    for (const arm of ["control", "treatment"] as const) {
      const a = c[arm] as Any;
      const e = ratioEstimate(a.input)!;
      expectClose(e.ratio, n(a.ratio), 1e-12, 0, `${arm} ratio`);
      expectClose(e.varianceOfRatio, n(a.varianceOfRatio), 1e-9, 0, `${arm} var`);
    }
    const r = ratioTest((c.control as Any).input, (c.treatment as Any).input);
    expectClose(r.statistic, n(c.z), 1e-9, 0, "z");
    expectClose(r.pValue, n(c.pValue), 1e-9, 0, "p");
    expectClose(r.absolute.lower, n(c.lower95), 1e-9, 1e-15, "lower");
    expectClose(r.absolute.upper, n(c.upper95), 1e-9, 1e-15, "upper");
  });
});
