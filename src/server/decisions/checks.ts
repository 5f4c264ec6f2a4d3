// The statistical checks behind a decision: SRM, guardrails (harm, absolute limits, non-inferiority
// for promotion), the A/B primary metric and the rolling-deploy Mann-Whitney comparison. Each check
// returns tests (for the family-wise correction and the feed) and hold reasons; decide.ts combines them.
import { mannWhitneyU, sequentialFromEstimate, srmTest } from "@analysis";
import { armEstimate, finite, harmContrast, harmSign, harmUpperBound, median, relativeChange, unitsForBound, upperBoundMultiplier, type ArmEstimate, type Contrast } from "./estimates";
import type { Direction } from "@/server/evidence";
import type { DecisionInputs, DecisionParameters, Reason, ResolvedGuardrail, TestResult } from "./types";

export interface Ctx {
  inputs: DecisionInputs;
  params: DecisionParameters;
  baseline: string;
  candidates: string[];
  /** analysed units per hour in the current stage (all arms), null when unknown */
  unitsPerHour: number | null;
}

/** A test that can trigger a rollback; corrected together with the others (Holm). */
export interface FamilyTest {
  test: TestResult;
  /** the test's p-value enters Holm multiplied by this (2: tested at α/2, a Bonferroni share of α) */
  weight?: number;
  reason: (adjusted: number) => Reason;
}

export const pct = (x: number | null) => (x === null ? "n/a" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`);
export const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
export const pv = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

export function etaMinutes(units: number | null, ctx: Ctx): number | null {
  if (units === null || !ctx.unitsPerHour) return null;
  return Math.ceil((units / ctx.unitsPerHour) * 60);
}

function armProblemReason(problem: string, metric: string, variant: string, n: number | undefined): Reason {
  if (problem === "insufficient_data") {
    return { code: "insufficient_exposures", metric, variant, message: `${metric}: ${variant} has ${n ?? 0} unit(s) with data; a comparison needs more`, evidence: { units: n ?? 0 } };
  }
  return {
    code: "empty_arm",
    metric,
    variant,
    message: `${metric}: no data for ${variant} yet (${problem === "zero_denominator" ? "no requests or page views" : "empty arm"}); it cannot be compared`,
  };
}

/** Both arms' estimates, or the hold reason why the comparison cannot run. */
export function pairFor(ctx: Ctx, metric: string, variant: string): { base: ArmEstimate; cand: ArmEstimate; direction: Direction } | Reason {
  const m = ctx.inputs.metrics[metric];
  if (!m) return armProblemReason("empty_arm", metric, ctx.baseline, 0);
  const base = armEstimate(m.arms[ctx.baseline]);
  const cand = armEstimate(m.arms[variant]);
  if (typeof base === "string") return armProblemReason(base, metric, ctx.baseline, m.arms[ctx.baseline] && "n" in m.arms[ctx.baseline] ? (m.arms[ctx.baseline] as { n: number }).n : 0);
  if (typeof cand === "string") return armProblemReason(cand, metric, variant, m.arms[variant] && "n" in m.arms[variant] ? (m.arms[variant] as { n: number }).n : 0);
  const min = ctx.params.minUnitsForTests;
  if (base.n < min || cand.n < min) {
    const [who, n] = base.n < cand.n ? [ctx.baseline, base.n] : [variant, cand.n];
    return { code: "insufficient_exposures", metric, variant: who, message: `${metric}: ${who} has ${n} units with data; tests start at ${min} per arm`, evidence: { units: n, needed: min } };
  }
  return { base, cand, direction: m.direction };
}

export function carriedMin(ctx: Ctx, key: string, p: number): number {
  const prev = ctx.inputs.carried[key];
  return typeof prev === "number" && prev < p ? prev : p;
}

export function always(c: Contrast, ctx: Ctx, alternative: "greater" | "less"): number {
  return sequentialFromEstimate({ estimate: c.estimate, standardError: c.standardError, n: c.n }, { alpha: ctx.params.alpha, alternative, tuning: ctx.params.sequentialTuning }).pValue;
}

export function srmCheck(ctx: Ctx): Reason | null {
  const plan = ctx.params.srm;
  if (!plan) return null;
  const shares = plan.expectedShares;
  const keys = Object.keys(shares);
  const counts = plan.cohort === "stage" ? ctx.inputs.stageExposures : ctx.inputs.exposures;
  const observed = keys.map((k) => counts[k] ?? 0);
  if (observed.some((n) => n < plan.minPerArm)) return null;
  const r = srmTest(
    observed,
    keys.map((k) => shares[k]),
  );
  if (r.pValue >= ctx.params.srmThreshold) return null;
  return {
    code: "srm_mismatch",
    message: `Sample ratio mismatch: ${keys.map((k, i) => `${k} ${observed[i]}`).join(", ")} against expected shares ${keys.map((k) => `${(shares[k] * 100).toFixed(1)} %`).join(" / ")} (p = ${pv(r.pValue)} < ${ctx.params.srmThreshold}); the data cannot be trusted`,
    evidence: {
      observed: Object.fromEntries(keys.map((k, i) => [k, observed[i]])),
      expectedShares: shares,
      cohort: plan.cohort,
      chiSquare: r.chiSquare,
      pValue: r.pValue,
      threshold: ctx.params.srmThreshold,
    },
  };
}

export interface GuardrailOutcome {
  family: FamilyTest[];
  tests: TestResult[];
  holds: Reason[];
  healthy: { metric: string; variant: string; harmUpperBound: number; margin: number }[];
}

type Guardrail = Ctx["params"]["guardrails"][number];
type Arm = Extract<ReturnType<typeof pairFor>, { base: unknown }>["base"];

/** The evidence a harm reason carries, for the whole experiment and for a segment cell alike. */
export function harmEvidence(ctx: Ctx, g: Guardrail, v: string, base: Arm, cand: Arm, bound: number, running: number) {
  return {
    baseline: { variant: ctx.baseline, n: base.n, value: base.value },
    candidate: { variant: v, n: cand.n, value: cand.value },
    relativeChange: relativeChange(base.value, cand.value),
    absoluteChange: cand.value - base.value,
    tolerance: g.tolerance,
    toleranceType: g.toleranceType,
    harmUpperBound: finite(bound),
    pValue: running,
    alpha: ctx.params.alpha,
  };
}

export function guardrailChecks(ctx: Ctx): GuardrailOutcome {
  const out: GuardrailOutcome = { family: [], tests: [], holds: [], healthy: [] };
  const { alpha, sequentialTuning: tuning } = ctx.params;
  for (const g of ctx.params.guardrails) {
    for (const v of ctx.candidates) {
      const pair = pairFor(ctx, g.metric, v);
      if ("code" in pair) {
        out.holds.push(pair);
        continue;
      }
      const { base, cand, direction } = pair;
      const sign = harmSign(direction);
      const relative = g.toleranceType === "relative";
      const rel = relativeChange(base.value, cand.value);
      const common = { metric: g.metric, variant: v, baseline: base.value, candidate: cand.value, relativeChange: rel };
      if (g.limit !== null) out.family.push(limitTest(ctx, g, v, cand, sign, common));
      const harm = harmContrast(base, cand, sign, g.tolerance, relative);
      if (harm.standardError === 0) {
        out.holds.push({
          code: "zero_variance",
          metric: g.metric,
          variant: v,
          message: `${g.metric}: no variation in either arm (${ctx.baseline} ${num(base.value)}, ${v} ${num(cand.value)}); the test cannot run`,
          evidence: { baseline: base.value, candidate: cand.value, n: { [ctx.baseline]: base.n, [v]: cand.n } },
        });
        continue;
      }
      const key = `harm|${g.metric}|${v}|${g.toleranceType}:${g.tolerance}`;
      const p = always(harm, ctx, "greater");
      const running = carriedMin(ctx, key, p);
      const k = upperBoundMultiplier(harm.n, alpha, tuning);
      const bound = harmUpperBound(base, cand, sign, g, k);
      const test: TestResult = { key, kind: "harm", ...common, pValue: p, runningMinPValue: running, harmUpperBound: finite(bound) };
      const evidence = harmEvidence(ctx, g, v, base, cand, bound, running);
      // harm amounts shown as the change they stand for (+5 % load time, −0.1 feedback points)
      const unit = (x: number) => (relative ? pct(sign * x) : `${sign * x >= 0 ? "+" : "−"}${num(Math.abs(x))}`);
      out.family.push({
        test,
        reason: (adjusted) => ({
          code: "guardrail_harm",
          metric: g.metric,
          variant: v,
          message: `${g.metric} is worse for ${v} beyond its tolerance: ${num(cand.value)} vs ${num(base.value)} (${pct(rel)}; tolerance ${unit(g.tolerance)}), always-valid p = ${pv(running)}, Holm-adjusted ${pv(adjusted)} ≤ ${alpha}`,
          evidence: { ...evidence, adjustedPValue: adjusted },
        }),
      });
      if (bound < g.promotionMargin) {
        out.healthy.push({ metric: g.metric, variant: v, harmUpperBound: bound, margin: g.promotionMargin });
        out.tests.push({ key: `ni|${g.metric}|${v}`, kind: "non_inferiority", ...common, pValue: null, harmUpperBound: finite(bound) });
        continue;
      }
      const needed = unitsForBound(harmContrast(base, cand, sign, g.promotionMargin, relative), alpha, tuning);
      const stillNeeded = needed === null ? null : Math.max(1, needed - harm.n);
      out.holds.push({
        code: "guardrail_inconclusive",
        metric: g.metric,
        variant: v,
        message:
          `${g.metric}: not yet shown that ${v} is no worse than ${unit(g.promotionMargin)} (harm bound ${Number.isFinite(bound) ? unit(bound) : "unbounded"}); ` +
          (stillNeeded === null ? "at the current estimate it cannot be shown" : `about ${stillNeeded} more units${etaText(etaMinutes(stillNeeded, ctx))}`),
        evidence: { ...evidence, promotionMargin: g.promotionMargin, usersStillNeeded: stillNeeded, etaMinutes: etaMinutes(stillNeeded, ctx) },
      });
    }
  }
  return out;
}

export function etaText(minutes: number | null): string {
  if (minutes === null) return "";
  return minutes < 120 ? ` (≈ ${minutes} min at the current traffic)` : ` (≈ ${(minutes / 60).toFixed(1)} h at the current traffic)`;
}

function limitTest(ctx: Ctx, g: ResolvedGuardrail, v: string, cand: ArmEstimate, sign: 1 | -1, common: Omit<TestResult, "key" | "kind" | "pValue">): FamilyTest {
  const limit = g.limit as number;
  const key = `limit|${g.metric}|${v}|${limit}`;
  const c: Contrast = { estimate: sign * (cand.value - limit), standardError: Math.sqrt(cand.variance), n: cand.n };
  const p = c.standardError === 0 ? (c.estimate > 0 ? 0 : 1) : always(c, ctx, "greater");
  const running = carriedMin(ctx, key, p);
  return {
    test: { key, kind: "limit", ...common, pValue: p, runningMinPValue: running },
    reason: (adjusted) => ({
      code: "absolute_limit_breached",
      metric: g.metric,
      variant: v,
      message: `${g.metric} of ${v} is ${num(cand.value)}, beyond its limit ${num(limit)} (always-valid p = ${pv(running)}, Holm-adjusted ${pv(adjusted)})`,
      evidence: { value: cand.value, n: cand.n, limit, pValue: running, adjustedPValue: adjusted, alpha: ctx.params.alpha },
    }),
  };
}

/** Rolling: per-instance load times of the new version against the old (Kayenta-style Mann-Whitney). */
export function rollingLoadTimeCheck(ctx: Ctx, tolerance: number, durationReached: boolean): FamilyTest | null {
  const samples = ctx.inputs.loadTimePerInstance;
  const v = ctx.candidates[0];
  const old = samples?.[ctx.baseline] ?? [];
  const fresh = samples?.[v] ?? [];
  // judged once per batch, at its analysis point (minimum duration), like Kayenta's interval
  if (!durationReached || old.length < 2 || fresh.length < 2) return null;
  const r = mannWhitneyU(old, fresh, { alternative: "greater" });
  const ratio = median(fresh) / median(old) - 1;
  // an effect inside the tolerance is not a failure however small its p-value
  const p = ratio > tolerance ? r.pValue : 1;
  const test: TestResult = {
    key: `mw|page_load_time|${v}`,
    kind: "mann_whitney",
    metric: "page_load_time",
    variant: v,
    pValue: r.pValue,
    baseline: median(old),
    candidate: median(fresh),
    relativeChange: ratio,
  };
  return {
    test: { ...test, runningMinPValue: p },
    reason: (adjusted) => ({
      code: "load_time_distribution_worse",
      metric: "page_load_time",
      variant: v,
      message: `Instances on ${v} load slower than those on ${ctx.baseline}: median per-instance load time ${pct(ratio)} (Mann-Whitney p = ${pv(r.pValue)}, Holm-adjusted ${pv(adjusted)}; ${fresh.length} vs ${old.length} instances)`,
      evidence: { instances: { [ctx.baseline]: old.length, [v]: fresh.length }, medianChange: ratio, u: r.u, pValue: r.pValue, adjustedPValue: adjusted, tolerance },
    }),
  };
}

export interface PrimaryOutcome {
  family: FamilyTest[];
  better: { variant: string; benefit: number; p: number }[];
  tests: TestResult[];
  holds: Reason[];
}

/** A/B primary metric: one-sided always-valid tests in each direction at α/2 (two-sided overall). */
export function primaryChecks(ctx: Ctx, metric: string): PrimaryOutcome {
  const out: PrimaryOutcome = { family: [], better: [], tests: [], holds: [] };
  const half = ctx.params.alpha / 2;
  const betterP: { variant: string; benefit: number; p: number; contrast: Contrast }[] = [];
  for (const v of ctx.candidates) {
    const pair = pairFor(ctx, metric, v);
    if ("code" in pair) {
      out.holds.push(pair);
      continue;
    }
    const { base, cand, direction } = pair;
    const s = -harmSign(direction); // +1 when higher is better
    const benefit: Contrast = { estimate: s * (cand.value - base.value), standardError: Math.sqrt(base.variance + cand.variance), n: base.n + cand.n };
    if (benefit.standardError === 0) {
      out.holds.push({ code: "zero_variance", metric, variant: v, message: `${metric}: no variation in either arm; the primary metric cannot be tested` });
      continue;
    }
    const rel = relativeChange(base.value, cand.value);
    const common = { metric, variant: v, baseline: base.value, candidate: cand.value, relativeChange: rel };
    // Tested at α/2 (its p-value enters the Holm family doubled): "worse" and "better" are the two
    // one-sided halves of one two-sided test, so an A/A experiment rolls back with probability ≤ α/2
    // and is falsely promoted with probability ≤ α/2 (decide.ab-calibration.test.ts).
    const worseKey = `primary-worse|${metric}|${v}`;
    const pWorse = carriedMin(ctx, worseKey, always({ ...benefit, estimate: -benefit.estimate }, ctx, "greater"));
    out.family.push({
      test: { key: worseKey, kind: "primary", ...common, pValue: pWorse, runningMinPValue: pWorse },
      weight: 2,
      reason: (adjusted) => ({
        code: "primary_worse",
        metric,
        variant: v,
        message: `Primary metric ${metric} is significantly worse for ${v}: ${num(cand.value)} vs ${num(base.value)} (${pct(rel)}), always-valid one-sided p = ${pv(pWorse)} ≤ α/2, Holm-adjusted (×2) ${pv(adjusted)} ≤ ${ctx.params.alpha}`,
        evidence: { baseline: base.value, candidate: cand.value, n: { [ctx.baseline]: base.n, [v]: cand.n }, relativeChange: rel, pValue: pWorse, adjustedPValue: adjusted, alpha: ctx.params.alpha },
      }),
    });
    const betterKey = `primary-better|${metric}|${v}`;
    const pBetter = carriedMin(ctx, betterKey, always(benefit, ctx, "greater"));
    out.tests.push({ key: betterKey, kind: "primary", ...common, pValue: pBetter, runningMinPValue: pBetter });
    betterP.push({ variant: v, benefit: benefit.estimate, p: pBetter, contrast: benefit });
  }
  // Holm over the variants, at α/2 for the "better" direction
  const sorted = [...betterP].sort((a, b) => a.p - b.p);
  const m = sorted.length;
  let stop = false;
  sorted.forEach((t, i) => {
    if (!stop && t.p * (m - i) <= half) out.better.push({ variant: t.variant, benefit: t.benefit, p: Math.min(1, t.p * (m - i)) });
    else stop = true;
  });
  if (out.better.length === 0 && betterP.length > 0) {
    const best = [...betterP].sort((a, b) => b.benefit - a.benefit)[0];
    const needed = unitsForBound({ ...best.contrast, estimate: -best.contrast.estimate }, half / m, ctx.params.sequentialTuning);
    const stillNeeded = needed === null ? null : Math.max(1, needed - best.contrast.n);
    out.holds.push({
      code: "primary_inconclusive",
      metric,
      variant: best.variant,
      message:
        `Primary metric ${metric}: no variant is significantly better yet; ` +
        (stillNeeded === null ? "at the current estimates none will be" : `about ${stillNeeded} more units${etaText(etaMinutes(stillNeeded, ctx))}`),
      evidence: { bestVariant: best.variant, pValue: best.p, usersStillNeeded: stillNeeded, etaMinutes: etaMinutes(stillNeeded, ctx) },
    });
  }
  return out;
}
