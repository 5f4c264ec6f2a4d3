// Security headers of every response. Pages get a per-request nonce CSP from src/proxy.ts (Next.js
// puts the nonce on its own inline scripts when the request carries the policy); everything else
// (API answers, Next's and server.ts's own) gets a CSP that allows nothing, since JSON is never a
// document. next.config.ts sends the same headers on what Next answers; server.ts on its own answers.

/** Headers for every response, pages included. */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
};

/** A JSON or other non-HTML answer: nothing may load, nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = { ...COMMON_SECURITY_HEADERS, "content-security-policy": API_CSP };

/**
 * The policy of a page. 'strict-dynamic' lets Next's nonce'd bootstrap load its chunks; styles allow
 * inline because React and recharts set style attributes (a style cannot run script). The React dev
 * build (`next dev`) evaluates code with eval, so only there 'unsafe-eval'.
 */
export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function withSecurityHeaders(headers: Headers, csp = API_CSP): Headers {
  for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) headers.set(name, value);
  headers.set("content-security-policy", csp);
  return headers;
}
