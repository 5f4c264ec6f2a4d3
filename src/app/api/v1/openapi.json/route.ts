import { openApiDocument } from "@/server/openapi/document";
import { route } from "@/server/http/route";

export const GET = route({ access: "public" }, async () => openApiDocument());
