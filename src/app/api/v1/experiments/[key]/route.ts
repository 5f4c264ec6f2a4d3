import { getExperiment } from "@/server/experiments/get";
import { ExperimentKeyParams, UpdateExperimentSchema } from "@/server/experiments/schemas";
import { updateExperiment } from "@/server/experiments/update";
import { route } from "@/server/http/route";

export const GET = route({ access: "viewer", params: ExperimentKeyParams }, async ({ params }) => getExperiment(params));

export const PATCH = route({ access: "release_manager", params: ExperimentKeyParams, body: UpdateExperimentSchema }, async ({ principal, params, body }) =>
  updateExperiment({ actor: principal, key: params.key, input: body }),
);
