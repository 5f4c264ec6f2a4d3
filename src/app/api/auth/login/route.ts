import { clientAddress } from "@/server/auth/client-address";
import { sessionCookies } from "@/server/auth/cookies";
import { login, LoginSchema } from "@/server/auth/login";
import { route } from "@/server/http/route";

export const POST = route({ access: "public", body: LoginSchema }, async ({ req, body }) => {
  const session = await login({ input: body, address: clientAddress(req.headers) });
  const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
  for (const c of sessionCookies(session.token, session.csrfToken, session.expiresAt)) headers.append("set-cookie", c);
  return new Response(JSON.stringify({ user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt }), { status: 200, headers });
});
