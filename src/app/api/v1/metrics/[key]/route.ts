import { route } from "@/server/http/route";
import { getMetric } from "@/server/metrics/get";
import { MetricKeyParams, UpdateMetricSchema } from "@/server/metrics/schemas";
import { updateMetric } from "@/server/metrics/update";

export const GET = route({ access: "viewer", params: MetricKeyParams }, async ({ params }) => getMetric(params));

export const PATCH = route({ access: "release_manager", params: MetricKeyParams, body: UpdateMetricSchema }, async ({ principal, params, body }) =>
  updateMetric({ actor: principal, key: params.key, input: body }),
);
