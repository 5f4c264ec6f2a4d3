import { listDecisions, ListDecisionsQuery } from "@/server/decisions/record";
import { route } from "@/server/http/route";

export const GET = route({ access: "viewer", query: ListDecisionsQuery }, async ({ query }) => listDecisions(query));
