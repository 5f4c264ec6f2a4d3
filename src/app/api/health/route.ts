import { health } from "@/server/health";
import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ access: "public" }, async () => {
  const report = await health();
  return json(report, report.status === "ok" ? 200 : 503);
});
