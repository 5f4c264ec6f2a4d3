import { eventsEndpoint } from "@/server/http/client-endpoints";

export const dynamic = "force-dynamic";

// The handler lives in src/server (the simulator's in-process transport and server.ts's direct path
// call it too).
export const POST = eventsEndpoint;
