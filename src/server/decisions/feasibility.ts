// "Never a false ETA": an arm that cannot fill under the current configuration (no verification
// traffic for a blue-green's idle side, a variant of weight 0, an arm that has received nobody
// while the others filled) makes every "≈ N min at the current traffic" a promise that cannot be
// kept. Such a hold says what to change instead, and every ETA is withdrawn (message and evidence).
import type { DecisionInputs, DecisionParameters, Reason } from "./types";

const MINUTE = 60_000;

const CHANGE: Record<DecisionParameters["strategy"], string> = {
  blue_green: "target internal users (targeting) or set rollout.verificationShare (e.g. 5)",
  toggle: "set rollout.holdback (e.g. 10) and check the groups' rules match someone",
  ab: "check the variant weights, rollout.coverage and the targeting",
  canary: "check the targeting and the stage",
  rolling: "check that instances of both versions report",
};

export function unfillableArms(inputs: DecisionInputs, params: DecisionParameters): Reason[] {
  const e = inputs.experiment;
  if (inputs.bake) return [];
  const out: Reason[] = [];
  const blocked = new Set<string>();
  const live = e.live ?? e.control;
  if (params.strategy === "blue_green" && params.blueGreen && !params.blueGreen.targeted && params.blueGreen.verificationShare <= 0) {
    const idle = e.variants.find((v) => v.key !== live)?.key ?? e.treatment;
    blocked.add(idle);
    out.push({
      code: "arm_cannot_fill",
      variant: idle,
      message: `The idle side ${idle} gets no verification traffic (no targeting, rollout.verificationShare 0): it can never be compared with ${live}. ${cap(CHANGE.blue_green)}`,
      evidence: { cause: "no_verification_traffic", change: ["targeting", "rollout.verificationShare"], etaMinutes: null },
    });
  }
  if (params.strategy === "ab") {
    for (const v of e.variants) {
      if (v.weight > 0) continue;
      blocked.add(v.key);
      out.push({
        code: "arm_cannot_fill",
        variant: v.key,
        message: `Variant ${v.key} has weight 0: it never receives units. Give it a weight or remove it`,
        evidence: { cause: "zero_weight", change: ["variants"], etaMinutes: null },
      });
    }
  }
  // observed: an arm still empty once the stage has run its minimum duration while another filled
  const from = inputs.stageStartedAt ?? inputs.startedAt;
  const minutes = from ? (Date.parse(inputs.evaluatedAt) - Date.parse(from)) / MINUTE : 0;
  const arms =
    params.strategy === "blue_green" ? [live, ...e.variants.map((v) => v.key).filter((k) => k !== live)] : params.strategy === "ab" ? e.variants.map((v) => v.key) : [e.control, e.treatment];
  const filled = arms.filter((v) => (inputs.stageExposures[v] ?? 0) >= params.minExposuresPerArm);
  if (params.strategy !== "rolling" && minutes >= Math.max(params.minDurationMinutes, 1) && filled.length > 0) {
    for (const v of arms) {
      if (blocked.has(v) || (inputs.exposures[v] ?? 0) > 0) continue;
      out.push({
        code: "arm_cannot_fill",
        variant: v,
        message: `${v} has received no units in ${Math.floor(minutes)} minutes while ${filled.map((f) => `${f} has ${inputs.stageExposures[f]}`).join(", ")}: under the current configuration it does not fill. ${cap(CHANGE[params.strategy])}`,
        evidence: { cause: "no_units", minutes, change: CHANGE[params.strategy], etaMinutes: null },
      });
    }
  }
  return out;
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

/** The reason without its ETA: the "(≈ N min at the current traffic)" text and evidence.etaMinutes. */
export function withoutEta(r: Reason): Reason {
  const message = r.message.replace(/ \(≈[^)]*\)/g, "");
  const evidence = r.evidence && "etaMinutes" in r.evidence ? { ...r.evidence, etaMinutes: null } : r.evidence;
  return { ...r, message, ...(evidence ? { evidence } : {}) };
}

/** A hold's reasons: what cannot fill first (with what to change), and no ETA anywhere if so. */
export function explainHold(reasons: Reason[], inputs: DecisionInputs, params: DecisionParameters): Reason[] {
  if (!params.explainUnfillable) return reasons;
  const stuck = unfillableArms(inputs, params);
  const already = reasons.filter((r) => r.code === "arm_cannot_fill");
  if (stuck.length === 0 && already.length === 0) return reasons;
  return [...stuck, ...reasons.map(withoutEta)];
}
