import { resumeExperiment } from "@/server/experiments/lifecycle";
import { ExperimentKeyParams, ReasonBody } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";

export const POST = route({ access: "release_manager", params: ExperimentKeyParams, body: ReasonBody }, async ({ principal, params, body }) =>
  resumeExperiment({ actor: principal, key: params.key, reason: body.reason }),
);
