// For server components only (it reads the request's headers).
import { headers } from "next/headers";

/** The origin the browser used, for copy-pasteable curl snippets. */
export async function baseUrl(): Promise<string> {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000";
  const proto = h.get("x-forwarded-proto") ?? "http";
  return `${proto}://${host}`;
}
