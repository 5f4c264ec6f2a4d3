import { createExperiment } from "@/server/experiments/create";
import { listExperiments } from "@/server/experiments/list";
import { CreateExperimentSchema, ListExperimentsQuery } from "@/server/experiments/schemas";
import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";

export const GET = route({ access: "viewer", query: ListExperimentsQuery }, async ({ query }) => ({
  experiments: await listExperiments(query),
}));

export const POST = route({ access: "release_manager", body: CreateExperimentSchema }, async ({ principal, body }) => json(await createExperiment({ actor: principal, input: body }), 201));
