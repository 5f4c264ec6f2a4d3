// The same public endpoints, called in this process: the handlers of POST /api/v1/assign and
// POST /api/v1/events (the ones their route files serve) get real Requests with the client key, so
// authentication, validation, rate limits and ingestion run exactly as over HTTP, without a socket
// (fast tests, the demo seed).
import { CLIENT_ENDPOINTS } from "@/server/http/client-endpoints";
import { transportFrom, type Transport } from "./transport";

export function inProcessTransport({ clientKey }: { clientKey: string }): Transport {
  return transportFrom((path, body) => {
    const handler = CLIENT_ENDPOINTS[path];
    if (!handler) throw new Error(`in-process transport: no client endpoint at ${path}`);
    const req = new Request(`http://in-process${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${clientKey}` },
      body: JSON.stringify(body),
    });
    return handler(req, { params: Promise.resolve({}) });
  });
}
