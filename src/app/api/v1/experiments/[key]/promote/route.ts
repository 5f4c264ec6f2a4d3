import { promoteExperiment } from "@/server/decisions/promote";
import { PromoteBody } from "@/server/decisions/schemas";
import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";

export const POST = route({ access: "release_manager", params: ExperimentKeyParams, body: PromoteBody }, async ({ principal, params, body }) => {
  const r = await promoteExperiment({ actor: principal, key: params.key, reason: body.reason, variant: body.variant, acknowledgeIncompatibleDatabase: body.acknowledgeIncompatibleDatabase });
  return { experiment: r.experiment, summary: r.summary, decisionId: r.decision?.id ?? null };
});
