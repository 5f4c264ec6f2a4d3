// Blue-green beyond a pointer flip. Before the switch (verification) the ordinary guardrail
// comparison of the idle side's verification traffic against live decides, labelled here:
// PROMOTE = switch recommended, ROLLBACK = verification failed (live stays). After the switch
// (bake) decideBake judges the new live side against the previous side's baseline from just before
// the switch, on the same users, paired per user: each user's after − before difference removes
// the between-user variance a two-sample test would carry, and an always-valid test (Holm over the
// guardrails) lets the evaluator look every minute. A breach → rollback, which the automation
// switches back to the previous side (still deployed: that is what the bake keeps it for).
// Argo Rollouts' pre/post-promotion analysis checks fixed thresholds; these are statistical tests.
import { adjustPValues, sequentialFromEstimate } from "@analysis";
import { metricDefinition } from "@/server/evidence";
import { BAKE_METRICS } from "./bake.sql";
import type { Decision, DecisionInputs, DecisionParameters, PairedSums, Reason, TestResult } from "./types";

const MINUTE = 60_000;
/** the guardrails a bake can pair per user (bake.sql.ts); both are lower-is-better */
const PAIRED = new Set<string>(BAKE_METRICS);

export const SEASONALITY_CAVEAT =
  "before/after on the same users is not randomised: anything else that changed around the switch (time of day, a campaign, an incident elsewhere) reads as an effect; the baseline is the traffic just before the switch to keep that small";

const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
const pv = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const show = (metric: string, x: number) => (metricDefinition(metric)?.unit === "share" ? `${(x * 100).toFixed(2)} %` : `${x.toFixed(0)} ms`);

export interface Paired {
  n: number;
  before: number;
  after: number;
  vb: number;
  va: number;
  cov: number;
}

export function paired(s: PairedSums): Paired {
  const n = s.n;
  const before = s.sumBefore / n;
  const after = s.sumAfter / n;
  const d = Math.max(n - 1, 1);
  return { n, before, after, vb: Math.max(0, (s.sumSqBefore - n * before * before) / d), va: Math.max(0, (s.sumSqAfter - n * after * after) / d), cov: (s.sumProduct - n * after * before) / d };
}

/** Harm beyond the tolerance, per user: after − (1 + t)·before (relative) or after − before − t. */
function harm(p: Paired, tolerance: number, relative: boolean): { estimate: number; standardError: number } {
  const y = relative ? 1 + tolerance : 1;
  const variance = p.va + y * y * p.vb - 2 * y * p.cov;
  return { estimate: p.after - y * p.before - (relative ? 0 : tolerance), standardError: Math.sqrt(Math.max(0, variance) / p.n) };
}

export function decideBake(inputs: DecisionInputs, params: DecisionParameters): Decision {
  const bake = inputs.bake!;
  const { live, previousLive } = bake;
  const minutes = Math.max(0, (Date.parse(inputs.evaluatedAt) - Date.parse(bake.switchedAt)) / MINUTE);
  const holds: Reason[] = [];
  const tests: TestResult[] = [];
  const family: { test: TestResult; reason: (adjusted: number) => Reason }[] = [];
  const carry: Record<string, number> = {};
  if (inputs.experiment.status !== "running") holds.push({ code: "not_running", message: `The experiment is ${inputs.experiment.status}; the bake is evaluated but not acted on` });
  const judged: string[] = [];
  for (const g of params.guardrails) {
    if (!PAIRED.has(g.metric)) continue;
    const sums = bake.metrics[g.metric];
    if (!sums || sums.n < params.minUnitsForTests) {
      holds.push({
        code: "insufficient_exposures",
        metric: g.metric,
        variant: live,
        message: `${g.metric}: ${sums?.n ?? 0} users seen both before (on ${previousLive}) and after the switch (on ${live}); the paired bake test starts at ${params.minUnitsForTests}`,
        evidence: { pairedUsers: sums?.n ?? 0, needed: params.minUnitsForTests, usersBefore: bake.usersBefore, etaMinutes: null },
      });
      continue;
    }
    const p = paired(sums);
    const relative = g.toleranceType === "relative";
    const c = harm(p, g.tolerance, relative);
    if (!(c.standardError > 0)) {
      holds.push({
        code: "zero_variance",
        metric: g.metric,
        variant: live,
        message: `${g.metric}: no variation in the per-user before/after differences of ${p.n} users; the paired test cannot run`,
        evidence: { pairedUsers: p.n },
      });
      continue;
    }
    judged.push(g.metric);
    const key = `bake|${g.metric}|${g.toleranceType}:${g.tolerance}|${bake.switchedAt}`;
    const raw = sequentialFromEstimate({ estimate: c.estimate, standardError: c.standardError, n: p.n }, { alpha: params.alpha, alternative: "greater", tuning: params.sequentialTuning }).pValue;
    const prev = inputs.carried[key];
    const running = typeof prev === "number" && prev < raw ? prev : raw;
    carry[key] = running;
    const rel = p.before === 0 ? null : p.after / p.before - 1;
    const test: TestResult = { key, kind: "harm", metric: g.metric, variant: live, pValue: raw, runningMinPValue: running, baseline: p.before, candidate: p.after, relativeChange: rel };
    const evidence = {
      paired: true,
      pairedUsers: p.n,
      before: { variant: previousLive, value: p.before },
      after: { variant: live, value: p.after },
      relativeChange: rel,
      tolerance: g.tolerance,
      toleranceType: g.toleranceType,
      pValue: running,
      alpha: params.alpha,
      switchedAt: bake.switchedAt,
      baselineFrom: bake.baselineFrom,
      caveat: SEASONALITY_CAVEAT,
    };
    family.push({
      test,
      reason: (adjusted) => ({
        code: "guardrail_harm",
        metric: g.metric,
        variant: live,
        message: `Bake: ${g.metric} is worse on ${live} for the same ${p.n} users than on ${previousLive} just before the switch: ${show(g.metric, p.after)} vs ${show(g.metric, p.before)}${rel === null ? "" : ` (${pct(rel)})`}, paired per user, always-valid p = ${pv(running)}, Holm-adjusted ${pv(adjusted)} ≤ ${params.alpha}; switch back to ${previousLive} (${SEASONALITY_CAVEAT})`,
        evidence: { ...evidence, adjustedPValue: adjusted },
      }),
    });
  }
  const adjusted = family.length
    ? adjustPValues(
        family.map((f) => f.test.runningMinPValue ?? 1),
        "holm",
      )
    : [];
  const breaches: Reason[] = [];
  family.forEach((f, i) => {
    const rejected = adjusted[i] <= params.alpha;
    tests.push({ ...f.test, adjustedPValue: adjusted[i], rejected });
    if (rejected) breaches.push(f.reason(adjusted[i]));
  });
  const result = (recommendation: Decision["recommendation"], reasons: Reason[]): Decision => ({ recommendation, reasons, winner: live, tests, carry });
  if (breaches.length > 0) return result("rollback", breaches);
  if (minutes < bake.bakeMinutes) {
    const left = Math.ceil(bake.bakeMinutes - minutes);
    holds.unshift({
      code: "bake_in_progress",
      variant: live,
      message: `Bake: ${live} has been live ${Math.floor(minutes)} of ${bake.bakeMinutes} minutes (${left} to go), ${previousLive} kept ready; judged against its own users' baseline on ${previousLive} just before the switch, paired per user (${SEASONALITY_CAVEAT})`,
      evidence: { minutes, bakeMinutes: bake.bakeMinutes, etaMinutes: left, previousLive, switchedAt: bake.switchedAt, caveat: SEASONALITY_CAVEAT },
    });
  }
  if (judged.length === 0 && minutes >= bake.bakeMinutes && bake.usersBefore === 0) {
    holds.push({
      code: "arm_cannot_fill",
      variant: previousLive,
      message: `Bake: nobody was exposed to ${previousLive} before the switch, so there is no baseline to pair with; finish the bake by hand (promote) or roll back`,
      evidence: { usersBefore: 0, etaMinutes: null },
    });
  }
  if (holds.length > 0) return result("hold", holds);
  return result("promote", [
    {
      code: "bake_passed",
      variant: live,
      message: `Bake passed: ${live} has been live ${Math.floor(minutes)} minutes and no guardrail (${judged.join(", ") || "none pairable"}) is worse for the same users than on ${previousLive} just before the switch (paired per user; ${SEASONALITY_CAVEAT}); ${previousLive} can be retired`,
      evidence: { minutes, bakeMinutes: bake.bakeMinutes, pairedUsers: Object.fromEntries(judged.map((m) => [m, bake.metrics[m].n])), caveat: SEASONALITY_CAVEAT },
    },
  ]);
}

/** Before the switch: what promote and rollback mean for a blue-green, in the decision's words. */
export function labelVerification(d: Decision, inputs: DecisionInputs, params: DecisionParameters): Decision {
  if (params.strategy !== "blue_green" || inputs.bake) return d;
  const live = inputs.experiment.live ?? inputs.experiment.control;
  const idle = inputs.experiment.variants.find((v) => v.key !== live)?.key ?? inputs.experiment.treatment;
  const bake = params.blueGreen?.bakeMinutes ?? 0;
  if (d.recommendation === "promote") {
    const first: Reason = {
      code: "switch_recommended",
      variant: idle,
      message: `Verification passed: ${idle} is no worse than ${live} on ${inputs.exposures[idle] ?? 0} verification users; switching live to ${idle} is recommended${bake > 0 ? `, then ${live} stays ready for a ${bake}-minute bake` : ""}`,
      evidence: { verificationUsers: inputs.exposures[idle] ?? 0, bakeMinutes: bake },
    };
    return { ...d, reasons: [first, ...d.reasons] };
  }
  if (d.recommendation === "rollback") {
    const first: Reason = {
      code: "verification_failed",
      variant: idle,
      message: `Verification failed: ${idle} is worse than ${live} on its verification traffic; do not switch (a rollback keeps ${live} live)`,
    };
    // after the harm itself: the first reason of a rollback names the metric (events, feed)
    return { ...d, reasons: [...d.reasons, first] };
  }
  return d;
}
