import { evaluateExperiment } from "@/server/decisions/evaluate";
import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";

export const POST = route({ access: "release_manager", params: ExperimentKeyParams }, async ({ principal, params }) => evaluateExperiment({ key: params.key, actor: principal }));
