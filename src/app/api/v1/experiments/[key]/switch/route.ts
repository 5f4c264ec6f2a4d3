import { SwitchBody } from "@/server/decisions/schemas";
import { switchLive } from "@/server/decisions/switch";
import { ExperimentKeyParams } from "@/server/experiments/schemas";
import { route } from "@/server/http/route";

export const POST = route({ access: "release_manager", params: ExperimentKeyParams, body: SwitchBody }, async ({ principal, params, body }) => {
  const r = await switchLive({ actor: principal, key: params.key, to: body.to, reason: body.reason });
  return { experiment: r.experiment, summary: r.summary, live: r.experiment.state.live, previous: r.before.state.live };
});
