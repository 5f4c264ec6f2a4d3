import { route } from "@/server/http/route";

export const GET = route({ access: "viewer" }, async ({ principal }) => ({ name: principal.name, kind: principal.kind, role: principal.role }));
