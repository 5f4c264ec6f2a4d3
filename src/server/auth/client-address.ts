// Where a request comes from, for the per-address sign-in backoff. Route handlers run inside Next.js
// and never see the socket, and Next fills X-Forwarded-For with the peer address only when the
// client did not send one, so that header alone is whatever the client says. The production server
// (server.ts) therefore stamps the socket's peer address into PEER_HEADER, replacing any copy the
// client sent, before Next or a route handler sees the request.
//
// VERDICT_TRUSTED_PROXY_HOPS = n says n proxies stand in front and each appends the address it saw
// to X-Forwarded-For: the client is then the n-th address from the right of (X-Forwarded-For,
// peer). Addresses further left were written by the client and are ignored. With n = 0 (default)
// X-Forwarded-For is ignored entirely.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { env } from "@/core/env";

export const PEER_HEADER = "x-verdict-peer-address";

/** server.ts, first thing for every request. */
export function stampPeerAddress(req: IncomingMessage): void {
  const peer = req.socket.remoteAddress;
  if (peer) req.headers[PEER_HEADER] = peer;
  else delete req.headers[PEER_HEADER];
}

/**
 * The client's address, or null when it cannot be known (under `next start` or `next dev`, which
 * do not run server.ts's stamp): the per-address backoff is then skipped, never shared by everyone.
 */
export function clientAddress(headers: Headers, hops = env().VERDICT_TRUSTED_PROXY_HOPS): string | null {
  const peer = headers.get(PEER_HEADER)?.trim();
  if (!peer) return null;
  const chain =
    hops > 0
      ? (headers.get("x-forwarded-for") ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  chain.push(peer);
  // fewer entries than proxies: the leftmost is the closest we have to the client
  const candidate = chain[Math.max(0, chain.length - 1 - hops)];
  return normalise(candidate) ?? normalise(peer);
}

function normalise(address: string): string | null {
  let a = address.replace(/^\[|\]$/g, "");
  if (a.startsWith("::ffff:") && isIP(a.slice(7)) === 4) a = a.slice(7);
  const kind = isIP(a);
  if (kind === 4) return a;
  if (kind === 6) return ipv6Prefix64(a);
  return null;
}

/** One IPv6 host usually owns a whole /64, so a guesser could otherwise rotate through 2^64 addresses. */
function ipv6Prefix64(a: string): string {
  const [head, tail = ""] = a.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = a.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || "0", 16).toString(16))
    .join(":")}::/64`;
}
