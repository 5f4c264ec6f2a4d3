import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";
import { createMetric } from "@/server/metrics/create";
import { listMetrics } from "@/server/metrics/list";
import { CreateMetricSchema } from "@/server/metrics/schemas";

export const GET = route({ access: "viewer" }, async () => ({ metrics: await listMetrics() }));

export const POST = route({ access: "release_manager", body: CreateMetricSchema }, async ({ principal, body }) => json(await createMetric({ actor: principal, input: body }), 201));
