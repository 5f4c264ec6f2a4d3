import { authenticate } from "@/server/auth/authenticate";
import { allows } from "@/server/auth/principal";
import { health, healthHttpStatus } from "@/server/health";
import { json } from "@/server/http/respond";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

// Public, but a signed-in user or a viewer-or-better key gets the error details (which can quote
// event data); client keys are embedded in apps, so they count as public.
export const GET = route({ access: "public" }, async ({ req }) => {
  const caller = await authenticate(req, { allowQueryKey: false }).catch(() => null);
  const report = await health({ detailed: caller !== null && allows(caller, "viewer") });
  return json(report, healthHttpStatus(report));
});
