import { route } from "@/server/http/route";
import { renderMetrics } from "@/server/monitoring/collect";

export const dynamic = "force-dynamic";

// Viewer, so a read-only server key can scrape it (src/server/monitoring/README.md has the config).
export const GET = route({ access: "viewer" }, async () => {
  const { body, contentType } = await renderMetrics();
  return new Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } });
});
