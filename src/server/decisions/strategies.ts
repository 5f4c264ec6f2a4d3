// Strategy-specific rules around decide()'s common pipeline, kept out of decide.ts: a blue-green's
// bake (./blue-green.ts), a toggle without holdback (./toggle.ts), the labels of a blue-green's
// verification, and holds that cannot resolve under the configuration (./feasibility.ts).
import { decideBake, labelVerification } from "./blue-green";
import { explainHold } from "./feasibility";
import { decideWithoutHoldback, hasNoComparison } from "./toggle";
import type { Decision, DecisionInputs, DecisionParameters } from "./types";

/** A decision taken by other rules than the common comparison, or null. */
export function decideSpecial(inputs: DecisionInputs, params: DecisionParameters): Decision | null {
  if (inputs.bake) return decideBake(inputs, params);
  if (hasNoComparison(params)) return finishDecision(decideWithoutHoldback(inputs, params), inputs, params);
  return null;
}

export function finishDecision(d: Decision, inputs: DecisionInputs, params: DecisionParameters): Decision {
  const labelled = labelVerification(d, inputs, params);
  return labelled.recommendation === "hold" ? { ...labelled, reasons: explainHold(labelled.reasons, inputs, params) } : labelled;
}
