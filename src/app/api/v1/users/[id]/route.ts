import { route } from "@/server/http/route";
import { UpdateUserSchema, UserIdParams } from "@/server/users/schemas";
import { updateUser } from "@/server/users/update";

export const PATCH = route({ access: "admin", params: UserIdParams, body: UpdateUserSchema }, async ({ principal, params, body }) => updateUser({ actor: principal, id: params.id, input: body }));
