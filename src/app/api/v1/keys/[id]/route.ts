import { revokeApiKey } from "@/server/keys/revoke";
import { KeyIdParams, UpdateKeySchema } from "@/server/keys/schemas";
import { updateApiKey } from "@/server/keys/update";
import { route } from "@/server/http/route";

export const PATCH = route({ access: "admin", params: KeyIdParams, body: UpdateKeySchema }, async ({ principal, params, body }) => updateApiKey({ actor: principal, id: params.id, input: body }));

export const DELETE = route({ access: "admin", params: KeyIdParams }, async ({ principal, params }) => revokeApiKey({ actor: principal, id: params.id }));
