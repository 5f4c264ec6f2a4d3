import { createUser } from "@/server/users/create";
import { listUsers } from "@/server/users/list";
import { CreateUserSchema } from "@/server/users/schemas";
import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";

export const GET = route({ access: "admin" }, async () => ({ users: await listUsers() }));

export const POST = route({ access: "admin", body: CreateUserSchema }, async ({ principal, body }) => json(await createUser({ actor: principal, input: body }), 201));
