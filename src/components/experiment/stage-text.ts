// The one-line state of a rollout in the experiment page's header.
import { toggleHoldback } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";

type StageView = Pick<Experiment, "strategy" | "state" | "rollout">;

export function stageText(e: StageView): string {
  if (e.state.shipped) return `shipped: ${e.state.shipped}`;
  if (e.strategy === "blue_green") {
    const live = `live: ${e.state.live ?? "–"}`;
    return e.state.phase === "bake" ? `${live} · baking, ${e.state.previousLive ?? "previous side"} kept ready` : live;
  }
  if (e.strategy === "toggle") {
    if (!e.state.enabled) return "off (kill switch)";
    const groups = e.rollout.groups ?? [];
    const holdback = toggleHoldback(e);
    // the holdback keeps the old behaviour: say so, it is part of who is "on"
    const held = holdback > 0 ? ` · holdback ${holdback} % off` : "";
    if (groups.length === 0) return `on for ${e.state.exposure} %${held}`;
    // Groups are widened one at a time: everyone in the groups up to the current one is on.
    const i = Math.min(e.state.stageIndex, groups.length - 1);
    const on = groups.slice(0, i + 1).map((g) => (g.percentage < 100 ? `${g.name} (${g.percentage} %)` : g.name));
    return `on for ${on.join(", ")} · group ${i + 1} of ${groups.length}${held}`;
  }
  return `stage ${e.state.exposure} % of ${e.rollout.stages.join(" → ")} %`;
}
