import { rollbackExperiment } from "@/server/decisions/rollback";
import { RollbackBody } from "@/server/decisions/schemas";
import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";

export const POST = route({ access: "release_manager", params: ExperimentKeyParams, body: RollbackBody }, async ({ principal, params, body }) => {
  const r = await rollbackExperiment({ actor: principal, key: params.key, reason: body.reason });
  return { experiment: r.experiment, summary: r.summary, decisionId: r.decision?.id ?? null };
});
