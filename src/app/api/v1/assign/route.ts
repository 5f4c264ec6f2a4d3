import { assign } from "@/server/assignment/assign";
import { AssignSchema } from "@/server/assignment/schemas";
import { hotRoute } from "@/server/http/hot-routes";
import { route } from "@/server/http/route";

export const POST = hotRoute(
  "POST",
  "/api/v1/assign",
  route({ access: "client", body: AssignSchema }, async ({ body }) => assign({ input: body })),
);
