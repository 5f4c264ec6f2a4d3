import { eventsEndpoint } from "@/server/http/client-endpoints";
import { hotRoute } from "@/server/http/hot-routes";

export const dynamic = "force-dynamic";

// The handler lives in src/server (the simulator's in-process transport calls it too).
export const POST = hotRoute("POST", "/api/v1/events", eventsEndpoint);
