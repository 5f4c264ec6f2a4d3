// The one-line state of a rollout in the experiment page's header.
import type { Experiment } from "@/server/experiments/types";

type StageView = Pick<Experiment, "strategy" | "state" | "rollout">;

export function stageText(e: StageView): string {
  if (e.state.shipped) return `shipped: ${e.state.shipped}`;
  if (e.strategy === "blue_green") return `live: ${e.state.live ?? "–"}`;
  if (e.strategy === "toggle") {
    if (!e.state.enabled) return "off (kill switch)";
    const groups = e.rollout.groups ?? [];
    if (groups.length === 0) return `on for ${e.state.exposure} %`;
    // Groups are widened one at a time: everyone in the groups up to the current one is on.
    const i = Math.min(e.state.stageIndex, groups.length - 1);
    const on = groups.slice(0, i + 1).map((g) => (g.percentage < 100 ? `${g.name} (${g.percentage} %)` : g.name));
    return `on for ${on.join(", ")} · group ${i + 1} of ${groups.length}`;
  }
  return `stage ${e.state.exposure} % of ${e.rollout.stages.join(" → ")} %`;
}
