// The handler of src/app/api/[...path]: answers before reading anything of the request but its line.
import { unknownRoute } from "./api-routes";
import { errorResponse } from "./respond";

export async function unknownApiPath(req: Request): Promise<Response> {
  const res = errorResponse(unknownRoute(req.method, new URL(req.url).pathname));
  return res;
}
