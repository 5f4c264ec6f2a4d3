import { killExperiment } from "@/server/decisions/kill";
import { ActionReasonBody } from "@/server/decisions/schemas";
import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";

export const POST = route({ access: "release_manager", params: ExperimentKeyParams, body: ActionReasonBody }, async ({ principal, params, body }) => {
  const r = await killExperiment({ actor: principal, key: params.key, reason: body.reason });
  return { experiment: r.experiment, summary: r.summary };
});
