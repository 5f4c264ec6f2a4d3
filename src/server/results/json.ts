// JSON has no NaN or Infinity (JSON.stringify would silently turn them into null). We map them
// deliberately: ±Infinity is an unbounded interval end or an undefined relative lift and becomes
// null; NaN should never occur (analysis/ refuses to produce it) and becomes null too.
export type Finite<T> = T extends number ? number | null : T extends (infer U)[] ? Finite<U>[] : T extends object ? { [K in keyof T]: Finite<T[K]> } : T;

export function finiteJson<T>(value: T): Finite<T> {
  if (typeof value === "number") return (Number.isFinite(value) ? value : null) as Finite<T>;
  if (Array.isArray(value)) return value.map(finiteJson) as Finite<T>;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = finiteJson(v);
    return out as Finite<T>;
  }
  return value as Finite<T>;
}
