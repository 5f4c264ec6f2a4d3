import { listAudit, ListAuditQuery } from "@/server/audit/list";
import { route } from "@/server/http/route";

export const GET = route({ access: "viewer", query: ListAuditQuery }, async ({ query }) => listAudit(query));
