// Pages only: a fresh nonce per request and the page's Content-Security-Policy. Next.js reads the
// nonce from the policy on the request and puts it on the scripts it renders (which is why every
// page renders dynamically). Never on /api: a proxy on a route makes Next copy the request body in
// memory (up to 10 MB) before the handler runs, the very thing route() caps.
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/core/env";
import { COMMON_SECURITY_HEADERS, pageCsp } from "@/server/http/security-headers";

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = pageCsp(nonce, env().NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      // prefetches carry no document of their own
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
