import { revokeApiKey } from "@/server/keys/revoke";
import { KeyIdParams } from "@/server/keys/schemas";
import { route } from "@/server/http/route";

export const DELETE = route({ access: "admin", params: KeyIdParams }, async ({ principal, params }) => revokeApiKey({ actor: principal, id: params.id }));
