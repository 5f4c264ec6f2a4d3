import { assign } from "@/server/assignment/assign";
import { AssignSchema } from "@/server/assignment/schemas";
import { route } from "@/server/http/route";

export const POST = route({ access: "client", body: AssignSchema }, async ({ principal, body }) => assign({ principal, input: body }));
