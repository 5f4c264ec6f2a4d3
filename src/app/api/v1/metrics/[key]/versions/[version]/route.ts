import { route } from "@/server/http/route";
import { MetricVersionParams } from "@/server/metrics/schemas";
import { getMetricVersion } from "@/server/metrics/versions";

export const GET = route({ access: "viewer", params: MetricVersionParams }, async ({ params }) => getMetricVersion(params));
