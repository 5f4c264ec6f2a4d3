import { drillRollback, listDrills } from "@/server/decisions/drill";
import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";

export const POST = route({ access: "release_manager", params: ExperimentKeyParams }, async ({ principal, params }) => json(await drillRollback({ actor: principal, key: params.key }), 201));

export const GET = route({ access: "viewer", params: ExperimentKeyParams }, async ({ params }) => listDrills({ key: params.key }));
