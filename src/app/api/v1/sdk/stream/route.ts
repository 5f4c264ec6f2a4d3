import { route } from "@/server/http/route";
import { openSnapshotStream, streamInput } from "@/server/streaming/open";

// The production server (server.ts) answers this path itself (src/server/streaming/http.ts); this
// handler serves it under `next start` / `next dev`.
export const dynamic = "force-dynamic";

export const GET = route({ access: "client", allowQueryKey: true }, async ({ req }) => openSnapshotStream({ input: streamInput(req.headers, new URL(req.url)), signal: req.signal }));
