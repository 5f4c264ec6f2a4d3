import { hotRoute } from "@/server/http/hot-routes";
import { route } from "@/server/http/route";
import { readEventsEnvelope } from "@/server/ingestion/body";
import { ingestEvents } from "@/server/ingestion/ingest";

export const dynamic = "force-dynamic";

// The body is read by hand (no `body` schema): byte limits, gzip and per-event rejection need the
// raw request. The envelope's schema for the API reference is IngestEnvelopeSchema.
export const POST = hotRoute(
  "POST",
  "/api/v1/events",
  route({ access: "client", allowQueryKey: true }, async ({ req, principal }) => ingestEvents({ events: await readEventsEnvelope(req), principal })),
);
