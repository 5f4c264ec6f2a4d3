// Toggles compare each released group's "on" users with its holdback (the share kept on the old
// behaviour: decide()'s ordinary baseline = control = "off"). With holdback 0 nobody keeps the old
// behaviour, so no comparison exists: decideWithoutHoldback judges only absolute limits on the "on"
// users (always-valid, both directions: breached → rollback, shown respected → may promote) and
// says so in a flagged reason (`no_comparison`, evidence.comparison = "none"). What remains besides
// the limits is a before/after view of the same users (inputs.beforeAfter, ./before-after.sql.ts),
// labelled as such, with its caveat, and never judged: it is not randomised.
import { adjustPValues, sequentialFromEstimate } from "@analysis";
import { metricDefinition } from "@/server/evidence";
import { paired } from "./blue-green";
import { armEstimate, harmSign } from "./estimates";
import type { BeforeAfterInputs, Decision, DecisionInputs, DecisionParameters, Reason, TestResult } from "./types";

export const BEFORE_AFTER_LABEL = "before/after (not randomised)";
export const BEFORE_AFTER_CAVEAT =
  'before/after, not a comparison: the same users before and after they got "on", paired per user. It is not randomised: anything else that changed around then (time of day, day of week, a campaign, an incident elsewhere, novelty) reads as an effect, and users without traffic before are left out. Shown for reference, never judged';

export interface BeforeAfterMetric {
  metric: string;
  /** users with data in both windows */
  pairedUsers: number;
  before: number | null;
  after: number | null;
  /** mean per-user after − before, with a 95 % (fixed-horizon, normal) interval */
  difference: number | null;
  interval: [number, number] | null;
  relativeChange: number | null;
}

export interface BeforeAfterView {
  label: typeof BEFORE_AFTER_LABEL;
  variant: string;
  /** users exposed to the "on" variant only */
  users: number;
  baselineMinutes: number;
  caveat: string;
  metrics: BeforeAfterMetric[];
}

export function beforeAfterView(b: BeforeAfterInputs): BeforeAfterView {
  const metrics = Object.entries(b.metrics).map(([metric, s]): BeforeAfterMetric => {
    if (s.n === 0) return { metric, pairedUsers: 0, before: null, after: null, difference: null, interval: null, relativeChange: null };
    const p = paired(s);
    const difference = p.after - p.before;
    const se = Math.sqrt(Math.max(0, p.va + p.vb - 2 * p.cov) / p.n);
    return {
      metric,
      pairedUsers: p.n,
      before: p.before,
      after: p.after,
      difference,
      interval: p.n >= 2 ? [difference - 1.96 * se, difference + 1.96 * se] : null,
      relativeChange: p.before === 0 ? null : p.after / p.before - 1,
    };
  });
  return { label: BEFORE_AFTER_LABEL, variant: b.variant, users: b.users, baselineMinutes: b.baselineMinutes, caveat: BEFORE_AFTER_CAVEAT, metrics };
}

const showValue = (metric: string, x: number) => {
  const unit = metricDefinition(metric)?.unit;
  return unit === "share" ? `${(x * 100).toFixed(2)} %` : unit === "ms" ? `${x.toFixed(0)} ms` : num(x);
};

function beforeAfterText(v: BeforeAfterView): string {
  const shown = v.metrics.filter((m) => m.before !== null && m.after !== null);
  const values = shown.length
    ? shown.map((m) => `${m.metric} ${showValue(m.metric, m.before!)} → ${showValue(m.metric, m.after!)} (${m.pairedUsers} users)`).join(", ")
    : "no user has traffic both before and after yet";
  return `. ${cap(v.label)} of the "${v.variant}" users: ${values}; ${v.caveat}`;
}
const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

const MINUTE = 60_000;
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const pv = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

export function hasNoComparison(params: DecisionParameters): boolean {
  return params.strategy === "toggle" && params.holdback === 0;
}

export function decideWithoutHoldback(inputs: DecisionInputs, params: DecisionParameters): Decision {
  const on = inputs.experiment.treatment;
  const limited = params.guardrails.filter((g) => g.limit !== null);
  const unjudged = params.guardrails.filter((g) => g.limit === null).map((g) => g.metric);
  // stored decisions from before the view (no inputs.beforeAfter) replay with their own words
  const view = inputs.beforeAfter ? beforeAfterView(inputs.beforeAfter) : null;
  const flag: Reason = {
    code: "no_comparison",
    message:
      `Holdback 0 %: nobody keeps the old behaviour, so there is no comparison group and guardrails are not compared` +
      (unjudged.length ? ` (${unjudged.join(", ")} not judged)` : "") +
      `; only absolute limits on the "on" users are checked. Set rollout.holdback (e.g. 10) to compare "on" with a holdback` +
      (view ? beforeAfterText(view) : ""),
    evidence: { comparison: "none", holdback: 0, judged: limited.map((g) => g.metric), notJudged: unjudged, ...(view ? { beforeAfter: view } : {}) },
  };
  const holds: Reason[] = [];
  const stageFrom = inputs.stageStartedAt ?? inputs.startedAt;
  const minutes = stageFrom ? Math.max(0, (Date.parse(inputs.evaluatedAt) - Date.parse(stageFrom)) / MINUTE) : 0;
  if (inputs.experiment.status !== "running") holds.push({ code: "not_running", message: `The experiment is ${inputs.experiment.status}; it is evaluated but not advanced` });
  if (minutes < params.minDurationMinutes) {
    const left = Math.ceil(params.minDurationMinutes - minutes);
    holds.push({
      code: "min_duration_not_reached",
      message: `The stage has run ${Math.floor(minutes)} of its minimum ${params.minDurationMinutes} minutes (${left} to go)`,
      evidence: { minutes, minDurationMinutes: params.minDurationMinutes, etaMinutes: left },
    });
  }
  const have = inputs.stageExposures[on] ?? 0;
  if (have < params.minExposuresPerArm) {
    holds.push({
      code: "insufficient_exposures",
      variant: on,
      message: `${on} has ${have} of the ${params.minExposuresPerArm} exposures this stage needs`,
      evidence: { exposures: have, needed: params.minExposuresPerArm, etaMinutes: null },
    });
  }
  if (limited.length === 0) {
    holds.push({
      code: "arm_cannot_fill",
      variant: inputs.experiment.control,
      message: `With holdback 0 % and no guardrail with an absolute limit nothing can be judged: set rollout.holdback (e.g. 10) or give a guardrail a limit (e.g. error_rate limit 0.02)`,
      evidence: { cause: "no_holdback", change: ["rollout.holdback", "metrics.guardrails[].limit"], etaMinutes: null },
    });
  }
  const breaches: { test: TestResult; reason: (adjusted: number) => Reason }[] = [];
  const tests: TestResult[] = [];
  const carry: Record<string, number> = {};
  const respected: string[] = [];
  for (const g of limited) {
    const m = inputs.metrics[g.metric];
    const est = m ? armEstimate(m.arms[on]) : "empty_arm";
    if (typeof est === "string" || est.n < params.minUnitsForTests || !(est.variance > 0)) {
      holds.push({
        code: "insufficient_exposures",
        metric: g.metric,
        variant: on,
        message: `${g.metric}: too little data on ${on} to judge its limit ${num(g.limit!)}`,
        evidence: { etaMinutes: null },
      });
      continue;
    }
    const sign = harmSign(m!.direction);
    const c = { estimate: sign * (est.value - g.limit!), standardError: Math.sqrt(est.variance), n: est.n };
    const opts = { alpha: params.alpha, tuning: params.sequentialTuning };
    const key = `limit|${g.metric}|${on}|${g.limit}`;
    const p = sequentialFromEstimate(c, { ...opts, alternative: "greater" }).pValue;
    const running = typeof inputs.carried[key] === "number" && inputs.carried[key] < p ? inputs.carried[key] : p;
    carry[key] = running;
    const test: TestResult = { key, kind: "limit", metric: g.metric, variant: on, pValue: p, runningMinPValue: running, baseline: null, candidate: est.value, relativeChange: null };
    breaches.push({
      test,
      reason: (adjusted) => ({
        code: "absolute_limit_breached",
        metric: g.metric,
        variant: on,
        message: `${g.metric} of ${on} is ${num(est.value)}, beyond its limit ${num(g.limit!)} (always-valid p = ${pv(running)}, Holm-adjusted ${pv(adjusted)}; no holdback to compare with)`,
        evidence: { value: est.value, n: est.n, limit: g.limit, pValue: running, adjustedPValue: adjusted, alpha: params.alpha, comparison: "none" },
      }),
    });
    // below the limit with always-valid confidence (one-sided at alpha: an intersection-union test)
    if (sequentialFromEstimate(c, { ...opts, alternative: "less" }).pValue <= params.alpha) respected.push(g.metric);
    else
      holds.push({
        code: "guardrail_inconclusive",
        metric: g.metric,
        variant: on,
        message: `${g.metric} of ${on} is ${num(est.value)}: not yet shown to stay within its limit ${num(g.limit!)}`,
        evidence: { value: est.value, n: est.n, limit: g.limit, etaMinutes: null },
      });
  }
  const adjusted = breaches.length
    ? adjustPValues(
        breaches.map((b) => b.test.runningMinPValue ?? 1),
        "holm",
      )
    : [];
  const rollback: Reason[] = [];
  breaches.forEach((b, i) => {
    const rejected = adjusted[i] <= params.alpha;
    tests.push({ ...b.test, adjustedPValue: adjusted[i], rejected });
    if (rejected) rollback.push(b.reason(adjusted[i]));
  });
  const result = (recommendation: Decision["recommendation"], reasons: Reason[]): Decision => ({ recommendation, reasons, winner: on, tests, carry });
  if (rollback.length) return result("rollback", [...rollback, flag]);
  if (holds.length) return result("hold", [flag, ...holds]);
  return result("promote", [
    flag,
    {
      code: "limits_respected",
      variant: on,
      message: `Every absolute limit is shown respected on ${on} (${respected.join(", ")}) after ${Math.floor(minutes)} minutes with ${have} exposures`,
      evidence: { limits: respected, comparison: "none" },
    },
  ]);
}
