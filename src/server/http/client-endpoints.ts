// The handlers of the two endpoints client apps call at high rates, POST /api/v1/assign and
// POST /api/v1/events. They live here, not in their route files, so that the simulator's in-process
// transport (the demo seed, fast tests) calls the very handler that Next and server.ts's direct path
// serve (same authentication by client key, parsing, rate limits and ingestion) without importing
// src/app. Loading this module registers them for server.ts's direct path (hot-routes.ts);
// instrumentation-node.ts imports it at start, so the direct path serves the first request too, not
// only those after Next happens to load the route files.
import { assign } from "@/server/assignment/assign";
import { AssignSchema } from "@/server/assignment/schemas";
import { readEventsEnvelope } from "@/server/ingestion/body";
import { ingestEvents } from "@/server/ingestion/ingest";
import { hotRoute } from "./hot-routes";
import { route, type RouteHandler } from "./route";

export const assignEndpoint: RouteHandler = hotRoute(
  "POST",
  "/api/v1/assign",
  route({ access: "client", body: AssignSchema }, async ({ body }) => assign({ input: body })),
);

// The body is read by hand (no `body` schema): byte limits, gzip and per-event rejection need the
// raw request. The envelope's schema for the API reference is IngestEnvelopeSchema.
export const eventsEndpoint: RouteHandler = hotRoute(
  "POST",
  "/api/v1/events",
  route({ access: "client", allowQueryKey: true }, async ({ req, principal }) => ingestEvents({ events: await readEventsEnvelope(req), principal })),
);

/** pathname → handler, for callers that have a path in hand (the in-process transport) */
export const CLIENT_ENDPOINTS: Readonly<Record<string, RouteHandler>> = { "/api/v1/assign": assignEndpoint, "/api/v1/events": eventsEndpoint };
