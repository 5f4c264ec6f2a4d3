/**
 * The regex engine of `regex` targeting rules: RE2 (the `re2js` port), never the host's
 * backtracking RegExp. Rules are written by users; with a backtracking engine one pattern such as
 * `^(a+)+$` against `"a".repeat(31) + "!"` took 102 s of the server's only thread. RE2 matches in
 * time linear in the input (times the pattern size), and refuses the constructs that need
 * backtracking (backreferences, lookarounds) at compile time, which is where the server rejects
 * them on write. Server and SDK run this same module, so they cannot disagree on a match.
 */
import { RE2JS } from "re2js";

/** Longest pattern accepted (the compiled program, and so the cost per input character, grows with it). */
export const MAX_REGEX_LENGTH = 500;
/**
 * Longest attribute value a regex is run on; a longer value never matches. The server already
 * caps attribute values at 1,000 characters, so this only bounds what local SDK evaluation sees.
 */
export const MAX_REGEX_INPUT_LENGTH = 1000;

export type RegexTest = (input: string) => boolean;

type Compiled = { test: RegexTest; error: null } | { test: null; error: string };

// Snapshots are recompiled on every configuration change and /assign validates on every write:
// a bounded cache keeps that to one compilation per distinct pattern. Oldest entries go first.
const CACHE_SIZE = 1000;
const cache = new Map<string, Compiled>();

function compile(source: string): Compiled {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  let out: Compiled;
  if (source.length > MAX_REGEX_LENGTH) out = { test: null, error: `regex longer than ${MAX_REGEX_LENGTH} characters` };
  else {
    try {
      const re = RE2JS.compile(source); // no flags: unanchored search, as documented
      out = { test: (input) => input.length <= MAX_REGEX_INPUT_LENGTH && re.test(input), error: null };
    } catch (e) {
      out = { test: null, error: (e as Error).message.replace(/^error parsing regexp: /, "") };
    }
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(source, out);
  return out;
}

/** The matcher of a pattern, or null when RE2 cannot compile it (or it is too long). Never throws. */
export function compileRegex(source: unknown): RegexTest | null {
  return typeof source === "string" ? compile(source).test : null;
}

/** Why RE2 refuses a pattern (e.g. "invalid escape sequence: `\1`"), or null when it compiles. */
export function regexError(source: string): string | null {
  return compile(source).error;
}

/** Test hook: how many compiled patterns are cached. */
export function regexCacheSize(): number {
  return cache.size;
}
