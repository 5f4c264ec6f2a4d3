import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";
import { getResults } from "@/server/results/get";

export const GET = route({ access: "viewer", params: ExperimentKeyParams }, async ({ params }) => getResults(params));
