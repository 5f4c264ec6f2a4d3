// decide(inputs, parameters): the pure decision rule of issue 6 (no I/O, no clock, no randomness), so
// a stored decision can be replayed from its inputs and parameters and give the same answer.
//   rollback  a guardrail shows harm beyond its tolerance, an absolute limit is crossed, the A/B
//             primary metric is significantly worse (one-sided at alpha/2: its p-value enters
//             doubled), or a rolling batch loads slower, or a guardrail shows such harm within one
//             value of a declared segment (./segments.ts) (Holm over all of these tests × variants ×
//             segments: the family-wise error stays ≤ alpha, at every look)
//   hold      SRM (always, even over a rollback: the data cannot be trusted), too few exposures or
//             too little time in the stage, empty or constant arms, a guardrail that has not yet
//             ruled out harm beyond its promotion margin, an A/B primary without a winner
//   promote   otherwise
// See README.md for the reason codes and defaults.
import { adjustPValues } from "@analysis";
import { etaText, guardrailChecks, primaryChecks, rollingLoadTimeCheck, srmCheck, type Ctx, type FamilyTest } from "./checks";
import { finite } from "./estimates";
import { segmentGuardrailTests } from "./segments";
import { decideSpecial, finishDecision } from "./strategies";
import type { Decision, DecisionInputs, DecisionParameters, Reason, TestResult } from "./types";

const MINUTE = 60_000;

function roles(inputs: DecisionInputs): { baseline: string; candidates: string[] } {
  const e = inputs.experiment;
  if (e.strategy === "blue_green") {
    // the live environment is the baseline; the idle one is verified against it
    const baseline = e.live ?? e.control;
    return { baseline, candidates: e.variants.map((v) => v.key).filter((k) => k !== baseline) };
  }
  if (e.strategy === "ab") return { baseline: e.control, candidates: e.variants.map((v) => v.key).filter((k) => k !== e.control) };
  return { baseline: e.control, candidates: [e.treatment] };
}

function minutesBetween(from: string | null, to: string): number | null {
  if (!from) return null;
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / MINUTE);
}

function gates(ctx: Ctx, stageMinutes: number | null): Reason[] {
  const { inputs, params } = ctx;
  const holds: Reason[] = [];
  if (inputs.experiment.status !== "running") {
    holds.push({ code: "not_running", message: `The experiment is ${inputs.experiment.status}; it is evaluated but not advanced` });
  }
  if (stageMinutes === null || stageMinutes < params.minDurationMinutes) {
    const left = stageMinutes === null ? params.minDurationMinutes : Math.ceil(params.minDurationMinutes - stageMinutes);
    holds.push({
      code: "min_duration_not_reached",
      message: `The stage has run ${stageMinutes === null ? "0" : Math.floor(stageMinutes)} of its minimum ${params.minDurationMinutes} minutes (${left} to go)`,
      evidence: { minutes: stageMinutes, minDurationMinutes: params.minDurationMinutes, etaMinutes: left },
    });
  }
  const arms = [ctx.baseline, ...ctx.candidates];
  if (params.strategy === "rolling") {
    const requests = inputs.metrics.error_rate?.arms;
    for (const v of arms) {
      const instances = inputs.exposures[v] ?? 0;
      const arm = requests?.[v];
      const served = arm && arm.kind === "ratio" ? arm.sumY : 0;
      if (instances < params.rolling.minInstancesPerArm || served < params.rolling.minRequestsPerArm) {
        holds.push({
          code: "insufficient_exposures",
          variant: v,
          message: `${v}: ${instances} instance(s) serving ${served} requests; a batch is judged from ${params.rolling.minInstancesPerArm} instances and ${params.rolling.minRequestsPerArm} requests per side`,
          evidence: { instances, requests: served, minInstances: params.rolling.minInstancesPerArm, minRequests: params.rolling.minRequestsPerArm },
        });
      }
    }
    return holds;
  }
  for (const v of arms) {
    const have = inputs.stageExposures[v] ?? 0;
    if (have >= params.minExposuresPerArm) continue;
    const perHour = stageMinutes ? (have / stageMinutes) * 60 : 0;
    const need = params.minExposuresPerArm - have;
    const eta = perHour > 0 ? Math.ceil((need / perHour) * 60) : null;
    holds.push({
      code: "insufficient_exposures",
      variant: v,
      message: `${v} has ${have} of the ${params.minExposuresPerArm} exposures this stage needs per arm (${need} more${etaText(eta)})`,
      evidence: { exposures: have, needed: params.minExposuresPerArm, usersStillNeeded: need, etaMinutes: eta },
    });
  }
  return holds;
}

/**
 * Holm over every test that can roll back: the family-wise error over guardrails × variants × segments ≤ alpha.
 * A test with weight w enters with w·p (the A/B primary's "worse" half: w = 2, i.e. at α/2).
 */
function rejectFamily(family: FamilyTest[], alpha: number): { reasons: Reason[]; tests: TestResult[] } {
  if (family.length === 0) return { reasons: [], tests: [] };
  const p = family.map((f) => Math.min(1, (f.weight ?? 1) * (f.test.runningMinPValue ?? f.test.pValue ?? 1)));
  const adjusted = adjustPValues(p, "holm");
  const reasons: Reason[] = [];
  const tests = family.map((f, i) => {
    const rejected = adjusted[i] <= alpha;
    if (rejected) reasons.push(f.reason(adjusted[i]));
    return { ...f.test, adjustedPValue: adjusted[i], rejected };
  });
  return { reasons, tests };
}

export function decide(inputs: DecisionInputs, params: DecisionParameters): Decision {
  const special = decideSpecial(inputs, params);
  if (special) return special;
  const { baseline, candidates } = roles(inputs);
  const stageMinutes = minutesBetween(inputs.stageStartedAt ?? inputs.startedAt, inputs.evaluatedAt);
  const stageUnits = Object.values(inputs.stageExposures).reduce((a, b) => a + b, 0);
  const ctx: Ctx = { inputs, params, baseline, candidates, unitsPerHour: stageMinutes && stageUnits > 0 ? (stageUnits / stageMinutes) * 60 : null };

  const srm = srmCheck(ctx);
  const guardrails = guardrailChecks(ctx);
  const family: FamilyTest[] = [...guardrails.family, ...segmentGuardrailTests(ctx)];
  const primary = params.primary ? primaryChecks(ctx, params.primary) : null;
  if (primary) family.push(...primary.family);
  const holds: Reason[] = gates(ctx, stageMinutes);
  if (params.strategy === "rolling") {
    const loadTolerance = params.guardrails.find((g) => g.metric === "page_load_time")?.tolerance ?? 0.05;
    const mw = rollingLoadTimeCheck(ctx, loadTolerance, stageMinutes !== null && stageMinutes >= params.minDurationMinutes);
    if (mw) family.push(mw);
  }
  const judged = rejectFamily(family, params.alpha);
  holds.push(...guardrails.holds, ...(primary?.holds ?? []));

  const tests = [...judged.tests, ...guardrails.tests, ...(primary?.tests ?? [])];
  const carry: Record<string, number> = {};
  for (const t of tests) if (t.runningMinPValue !== undefined && t.kind !== "mann_whitney") carry[t.key] = t.runningMinPValue;
  const winner = primary
    ? (primary.better.sort((a, b) => b.benefit - a.benefit)[0]?.variant ?? null)
    : inputs.experiment.strategy === "blue_green"
      ? (candidates[0] ?? null)
      : inputs.experiment.treatment;
  const result = (recommendation: Decision["recommendation"], reasons: Reason[]): Decision => finishDecision({ recommendation, reasons, winner, tests, carry }, inputs, params);

  if (srm) {
    // harm found on untrustworthy data is reported, not acted on
    const unconfirmed = judged.reasons.map((r) => ({ ...r, message: `${r.message} (not acted on: sample ratio mismatch)`, evidence: { ...r.evidence, actedOn: false } }));
    return result("hold", [srm, ...unconfirmed, ...holds]);
  }
  if (judged.reasons.length > 0) return result("rollback", judged.reasons);
  if (holds.length > 0) return result("hold", holds);

  const reasons: Reason[] = [
    {
      code: "stage_ready",
      message: `Stage ${inputs.experiment.exposure} % has run ${Math.floor(stageMinutes ?? 0)} minutes with ${[baseline, ...candidates].map((v) => `${inputs.stageExposures[v] ?? 0} ${v}`).join(", ")} exposures`,
      evidence: { stage: inputs.experiment.exposure, minutes: stageMinutes, stageExposures: inputs.stageExposures, exposures: inputs.exposures },
    },
  ];
  if (guardrails.healthy.length > 0) {
    reasons.push({
      code: "guardrails_healthy",
      message: `Every guardrail rules out harm beyond its promotion margin (${guardrails.healthy.map((h) => `${h.metric} ≤ ${h.margin}`).join(", ")})`,
      evidence: { guardrails: guardrails.healthy.map((h) => ({ ...h, harmUpperBound: finite(h.harmUpperBound) })) },
    });
  }
  if (primary && winner) {
    const w = primary.better.find((b) => b.variant === winner);
    reasons.push({
      code: "primary_wins",
      metric: params.primary ?? undefined,
      variant: winner,
      message: `${winner} is significantly better on ${params.primary} (Holm-adjusted p = ${w?.p.toPrecision(2)})`,
      evidence: { adjustedPValue: w?.p, benefit: w?.benefit },
    });
  }
  if (!params.srm) {
    reasons.push({ code: "srm_not_applicable", message: `No sample-ratio check for a ${params.strategy} at this stage (no fixed expected split)` });
  }
  return result("promote", reasons);
}
