import { latestDecision } from "@/server/decisions/latest";
import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";

export const GET = route({ access: "viewer", params: ExperimentKeyParams }, async ({ params }) => latestDecision({ key: params.key }));
