// Strings that reach Postgres. A NUL character is refused by Postgres `text` and `jsonb` (the driver
// error surfaced as a 500), and an unpaired UTF-16 surrogate is either refused by `jsonb` or turned
// into U+FFFD on the way to `text`, silently changing what was stored. Both are refused here, at
// validation, so the caller gets a 400 naming the field.
import { z } from "zod";

export const NUL_MESSAGE = "must not contain NUL characters (\\u0000)";
export const SURROGATE_MESSAGE = "must be valid Unicode: it contains an unpaired UTF-16 surrogate";

/**
 * False for a string holding a lone UTF-16 surrogate ("\ud800"): JSON can carry one, but it is not
 * text (ClickHouse refuses the row, Postgres the jsonb). Native and linear (ES2024; Node >= 20).
 */
export function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** The reason a string cannot be stored, or null when it can. */
export function unstorable(s: string): string | null {
  if (s.includes("\0")) return NUL_MESSAGE;
  if (!wellFormed(s)) return SURROGATE_MESSAGE;
  return null;
}

/** A check to attach to any string schema: `z.url().check(storable)`. */
export function storable(ctx: z.core.ParsePayload<string>): void {
  const problem = unstorable(ctx.value);
  if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
}

/** z.string() for any value stored in the config store. */
export function text(): z.ZodString {
  return z.string().check(storable);
}
