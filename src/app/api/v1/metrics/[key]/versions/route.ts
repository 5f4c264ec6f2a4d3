import { route } from "@/server/http/route";
import { MetricKeyParams } from "@/server/metrics/schemas";
import { listMetricVersions } from "@/server/metrics/versions";

export const GET = route({ access: "viewer", params: MetricKeyParams }, async ({ params }) => ({ versions: await listMetricVersions(params) }));
