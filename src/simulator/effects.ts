// Per-variant effects the simulator plants in the traffic, and the parsing of their CLI forms
// ("2x", "1.2x", "10%", "-0.3").

export interface VariantEffects {
  /** multiplies the per-request error probability (2 = twice the errors) */
  errorRate?: number;
  /** multiplies every page-load time (1.2 = 20 % slower) */
  loadTime?: number;
  /** relative lift of the engagement rate per session (0.1 = +10 %) */
  engagementLift?: number;
  /** added to every feedback score before rounding and clamping to 1–5 (-0.5 = half a point worse) */
  feedbackShift?: number;
  /** share of this arm's exposures never logged (0.2 = 20 % lost): plants a sample-ratio mismatch */
  dropExposures?: number;
}

export type EffectsByVariant = Record<string, VariantEffects>;

/** "2x" | "2" → 2; "120%" → 1.2 */
export function parseMultiplier(text: string): number {
  const t = text.trim().toLowerCase();
  const value = t.endsWith("x") ? Number(t.slice(0, -1)) : t.endsWith("%") ? Number(t.slice(0, -1)) / 100 : Number(t);
  if (!Number.isFinite(value) || value < 0) throw new Error(`'${text}' is not a multiplier (examples: 2x, 1.2x, 120%)`);
  return value;
}

/** "10%" → 0.1; "0.1" → 0.1; "-5%" → -0.05 */
export function parseShare(text: string): number {
  const t = text.trim();
  const value = t.endsWith("%") ? Number(t.slice(0, -1)) / 100 : Number(t);
  if (!Number.isFinite(value)) throw new Error(`'${text}' is not a share (examples: 10%, 0.1, -5%)`);
  return value;
}

export function parseNumber(text: string): number {
  const value = Number(text.trim());
  if (!Number.isFinite(value)) throw new Error(`'${text}' is not a number`);
  return value;
}

export function describeEffects(e: VariantEffects): string {
  const parts: string[] = [];
  if (e.errorRate !== undefined && e.errorRate !== 1) parts.push(`errors ×${e.errorRate}`);
  if (e.loadTime !== undefined && e.loadTime !== 1) parts.push(`load time ×${e.loadTime}`);
  if (e.engagementLift) parts.push(`engagement ${e.engagementLift >= 0 ? "+" : ""}${Math.round(e.engagementLift * 1000) / 10} %`);
  if (e.feedbackShift) parts.push(`feedback ${e.feedbackShift >= 0 ? "+" : ""}${e.feedbackShift}`);
  if (e.dropExposures) parts.push(`${Math.round(e.dropExposures * 1000) / 10} % of exposures dropped`);
  return parts.length ? parts.join(", ") : "no effect";
}

/** Effects of several experiments on one user at once: multipliers multiply, lifts and shifts add. */
export function combineEffects(list: readonly VariantEffects[]): VariantEffects {
  const out: VariantEffects = {};
  for (const e of list) {
    if (e.errorRate !== undefined) out.errorRate = (out.errorRate ?? 1) * e.errorRate;
    if (e.loadTime !== undefined) out.loadTime = (out.loadTime ?? 1) * e.loadTime;
    if (e.engagementLift !== undefined) out.engagementLift = (out.engagementLift ?? 0) + e.engagementLift;
    if (e.feedbackShift !== undefined) out.feedbackShift = (out.feedbackShift ?? 0) + e.feedbackShift;
  }
  return out;
}
