import { getSnapshot } from "@/server/assignment/snapshot";
import { route } from "@/server/http/route";

export const GET = route({ access: "client" }, async ({ req }) => {
  const { etag, body } = await getSnapshot();
  const headers = { etag, "cache-control": "no-cache", "content-type": "application/json; charset=utf-8" };
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(body, { status: 200, headers });
});
