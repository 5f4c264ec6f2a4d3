import { ExperimentKeyParams, ResultsQuery } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";
import { getResults } from "@/server/results/get";

export const GET = route({ access: "viewer", params: ExperimentKeyParams, query: ResultsQuery }, async ({ params, query }) =>
  getResults({ key: params.key, segment: query.segment, novelty: query.novelty }),
);
