import { clearedSessionCookies, readCookie } from "@/server/auth/cookies";
import { logout } from "@/server/auth/login";
import { SESSION_COOKIE } from "@/server/auth/tokens";
import { route } from "@/server/http/route";

export const POST = route({ access: "viewer" }, async ({ req }) => {
  await logout({ token: readCookie(req, SESSION_COOKIE) });
  const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
  for (const c of clearedSessionCookies()) headers.append("set-cookie", c);
  return new Response(JSON.stringify({ ok: true }), { status: 200, headers });
});
