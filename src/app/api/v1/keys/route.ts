import { createApiKey } from "@/server/keys/create";
import { listApiKeys } from "@/server/keys/list";
import { CreateKeySchema } from "@/server/keys/schemas";
import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";

export const GET = route({ access: "admin" }, async () => ({ keys: await listApiKeys() }));

export const POST = route({ access: "admin", body: CreateKeySchema }, async ({ principal, body }) => json(await createApiKey({ actor: principal, input: body }), 201));
