// Guardrails per segment (issue 16): a harm confined to one segment (errors up on Android only) is
// diluted in the whole-experiment comparison and may never cross its tolerance there. So every cell
// of every declared segment attribute (value × guardrail × candidate) gets the same always-valid
// harm test as the whole experiment, and all of them join the one Holm family of rollback tests in
// decide(): family-wise, the chance of any false rollback over guardrails × variants × segments stays
// ≤ α (test/unit/server/decisions/decide.segments.test.ts simulates it). Segment cells only ever roll back: promotion and holds
// are judged on the whole experiment (a thin cell is not a reason to wait), and a cell without
// enough data (fewer than minUnitsForTests units, no variance) is not tested.
import { always, carriedMin, harmEvidence, num, pairFor, pct, pv, type Ctx, type FamilyTest } from "./checks";
import { finite, harmContrast, harmSign, harmUpperBound, relativeChange, upperBoundMultiplier } from "./estimates";
import type { TestResult } from "./types";

export function segmentGuardrailTests(ctx: Ctx): FamilyTest[] {
  const declared = ctx.params.segments ?? [];
  const { alpha, sequentialTuning: tuning } = ctx.params;
  const out: FamilyTest[] = [];
  for (const seg of ctx.inputs.segments ?? []) {
    if (!declared.includes(seg.attribute)) continue;
    for (const cell of seg.values) {
      const where = `${seg.attribute}=${cell.value}`;
      const sub: Ctx = { ...ctx, inputs: { ...ctx.inputs, metrics: cell.metrics } };
      for (const g of ctx.params.guardrails) {
        for (const v of ctx.candidates) {
          const pair = pairFor(sub, g.metric, v);
          if ("code" in pair) continue;
          const { base, cand, direction } = pair;
          const sign = harmSign(direction);
          const relative = g.toleranceType === "relative";
          const harm = harmContrast(base, cand, sign, g.tolerance, relative);
          if (!(harm.standardError > 0)) continue;
          const key = `harm|${g.metric}|${v}|${g.toleranceType}:${g.tolerance}|${where}`;
          const p = always(harm, sub, "greater");
          const running = carriedMin(sub, key, p);
          const bound = harmUpperBound(base, cand, sign, g, upperBoundMultiplier(harm.n, alpha, tuning));
          const rel = relativeChange(base.value, cand.value);
          const test: TestResult = {
            key,
            kind: "harm",
            metric: g.metric,
            variant: v,
            segment: where,
            baseline: base.value,
            candidate: cand.value,
            relativeChange: rel,
            pValue: p,
            runningMinPValue: running,
            harmUpperBound: finite(bound),
          };
          const change = relative || rel !== null ? pct(rel) : `${cand.value - base.value >= 0 ? "+" : "−"}${num(Math.abs(cand.value - base.value))}`;
          const tolerance = relative ? pct(sign * g.tolerance) : `${sign >= 0 ? "+" : "−"}${num(g.tolerance)}`;
          out.push({
            test,
            reason: (adjusted) => ({
              code: "guardrail_harm",
              metric: g.metric,
              variant: v,
              segment: where,
              message: `${g.metric} is worse on ${where}: ${change} for ${v} (${num(cand.value)} vs ${num(base.value)} on ${ctx.baseline}; tolerance ${tolerance}), always-valid p = ${pv(running)}, Holm-adjusted over guardrails × variants × segments ${pv(adjusted)} ≤ ${alpha}`,
              evidence: { segment: { attribute: seg.attribute, value: cell.value }, ...harmEvidence(ctx, g, v, base, cand, bound, running), adjustedPValue: adjusted },
            }),
          });
        }
      }
    }
  }
  return out;
}
