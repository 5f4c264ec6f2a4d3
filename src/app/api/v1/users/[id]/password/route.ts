import { route } from "@/server/http/route";
import { resetPassword } from "@/server/users/reset-password";
import { ResetPasswordSchema, UserIdParams } from "@/server/users/schemas";

export const POST = route({ access: "admin", params: UserIdParams, body: ResetPasswordSchema }, async ({ principal, params, body }) => resetPassword({ actor: principal, id: params.id, input: body }));
