// The same public endpoints, called in this process: the route handlers of POST /api/v1/assign and
// POST /api/v1/events get real Requests with the client key, so authentication, validation, rate
// limits and ingestion run exactly as over HTTP, without a socket (fast tests, the demo seed).
import { POST as assignRoute } from "@/app/api/v1/assign/route";
import { POST as eventsRoute } from "@/app/api/v1/events/route";
import type { RouteHandler } from "@/server/http/route";
import { transportFrom, type Transport } from "./transport";

const ROUTES: Record<string, RouteHandler> = { "/api/v1/assign": assignRoute, "/api/v1/events": eventsRoute };

export function inProcessTransport({ clientKey }: { clientKey: string }): Transport {
  return transportFrom((path, body) => {
    const handler = ROUTES[path];
    const req = new Request(`http://in-process${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${clientKey}` },
      body: JSON.stringify(body),
    });
    return handler(req, { params: Promise.resolve({}) });
  });
}
