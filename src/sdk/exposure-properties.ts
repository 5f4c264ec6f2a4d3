// A unit's attributes as an exposure event's properties (issue 16: a unit's segment value is its
// attribute at first exposure). Shared by the SDK's own exposures and the server's /assign, and kept
// within the ingestion endpoint's bounds on properties (src/server/ingestion/schemas.ts LIMITS; a
// test checks they agree), so an exposure is never refused for its attributes: at most 32 entries,
// longer names left out, longer string values cut, non-finite numbers dropped.
import type { AttributeValue } from "./types";

export const EXPOSURE_PROPERTY_LIMITS = { maxProperties: 32, maxKeyLength: 64, maxValueLength: 512 } as const;

// Ingestion refuses a lone surrogate anywhere in an event, which would lose the exposure: such names
// and values are left out, and a cut never splits a surrogate pair.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);
function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  const last = s.charCodeAt(n - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}

export function exposureProperties(attributes: Record<string, AttributeValue> | undefined): Record<string, string | number | boolean> | undefined {
  if (!attributes) return undefined;
  const out: Record<string, string | number | boolean> = {};
  let count = 0;
  for (const [k, v] of Object.entries(attributes)) {
    if (count >= EXPOSURE_PROPERTY_LIMITS.maxProperties) break;
    if (k.length === 0 || k.length > EXPOSURE_PROPERTY_LIMITS.maxKeyLength || !wellFormed(k)) continue;
    if (typeof v === "number" && !Number.isFinite(v)) continue;
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") continue;
    if (typeof v === "string" && !wellFormed(v)) continue;
    out[k] = typeof v === "string" ? cut(v, EXPOSURE_PROPERTY_LIMITS.maxValueLength) : v;
    count++;
  }
  return count === 0 ? undefined : out;
}
