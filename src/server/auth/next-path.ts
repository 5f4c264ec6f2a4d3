// Where the sign-in page sends the browser afterwards. `next` comes from the URL, so anyone can
// craft it: browsers read `/\evil.example` as `//evil.example` (a backslash counts as a slash in
// http URLs) and drop tabs and newlines (`/<TAB>/evil.example`), so a check on the raw string's
// first characters let both through to another site. Only a same-origin path is accepted: no
// control characters or backslashes at all, a single leading "/", and the URL it resolves to,
// against a placeholder origin, must keep that origin. Pure: the sign-in page and form both use it.
export const DEFAULT_NEXT = "/experiments";

const PLACEHOLDER_ORIGIN = "http://verdict.invalid";

export function safeNextPath(next: unknown, fallback = DEFAULT_NEXT): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 2000) return fallback;
  // C0 controls, DEL and the C1 range; backslashes anywhere
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(next)) return fallback;
  if (!next.startsWith("/") || next.startsWith("//")) return fallback;
  let url: URL;
  try {
    url = new URL(next, PLACEHOLDER_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN || !url.pathname.startsWith("/") || url.pathname.startsWith("//")) return fallback;
  // the normalised form: what the browser will request is what was checked
  return `${url.pathname}${url.search}${url.hash}`;
}
