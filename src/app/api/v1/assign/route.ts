import { assignEndpoint } from "@/server/http/client-endpoints";

// The handler lives in src/server (the simulator's in-process transport and server.ts's direct path
// call it too).
export const POST = assignEndpoint;
