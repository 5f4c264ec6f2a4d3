// Experiments whose evaluations someone else runs for now: the demo seed replays past hours and
// evaluates its experiments with each hour as the clock. An evaluation at the real time in between
// (the evaluator's timer or event trigger, or a person's "Evaluate now") would record a decision
// out of order, carry the wrong running minima into the next one, and could act on it.
import { processSingleton } from "@/core/process-singleton";

const held = processSingleton("decisionsHeld", () => new Set<string>());

/** Holds these experiments' real-time evaluations until the returned release is called. */
export function holdEvaluations(keys: readonly string[]): () => void {
  for (const k of keys) held.add(k);
  return () => {
    for (const k of keys) held.delete(k);
  };
}

export function evaluationsHeld(key: string): boolean {
  return held.has(key);
}
