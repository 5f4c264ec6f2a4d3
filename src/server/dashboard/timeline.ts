// The rollout timeline: audit entries of the experiment (every human and automatic change, with the
// state before and after) merged with the evaluations of the decision engine.
import { SYSTEM } from "@/server/auth/principal";
import { listAudit } from "@/server/audit/list";
import type { DecisionView, TimelineEntry } from "./view";

type Snapshot = { status?: string; state?: { exposure?: number; live?: string | null; enabled?: boolean; shipped?: string | null } } | null;

const TONE: Record<string, TimelineEntry["tone"]> = {
  "experiment.rolled_back": "red",
  "experiment.promoted": "green",
  "experiment.completed": "green",
  "experiment.started": "blue",
  "experiment.paused": "amber",
  "experiment.killed": "red",
};

function humanize(action: string): string {
  const verb = action.split(".").slice(1).join(" ").replace(/_/g, " ") || action;
  return verb.charAt(0).toUpperCase() + verb.slice(1);
}

function changes(before: Snapshot, after: Snapshot): string | null {
  const out: string[] = [];
  if (before?.status !== after?.status && after?.status) out.push(`status ${before?.status ?? "–"} → ${after.status}`);
  const b = before?.state ?? {};
  const a = after?.state ?? {};
  if (a.exposure !== undefined && b.exposure !== a.exposure && before) out.push(`exposure ${b.exposure ?? "–"} % → ${a.exposure} %`);
  if (a.live !== undefined && b.live !== a.live && before) out.push(`live ${b.live ?? "–"} → ${a.live ?? "–"}`);
  if (a.enabled !== undefined && b.enabled !== a.enabled && before) out.push(a.enabled ? "feature enabled" : "feature disabled");
  if (a.shipped && b.shipped !== a.shipped) out.push(`shipped ${a.shipped}`);
  return out.length ? out.join(" · ") : null;
}

export async function experimentTimeline(key: string, decisions: DecisionView[]): Promise<TimelineEntry[]> {
  const { entries } = await listAudit({ entityType: "experiment", entityKey: key, limit: 200 });
  const audit: TimelineEntry[] = entries.map((e) => ({
    at: new Date(e.at).toISOString(),
    kind: "audit",
    title: humanize(e.action),
    actor: e.actor,
    // the evaluator's own actions are "automatic"; another system actor (the demo seed playing a
    // release manager) is named, so a back-dated manual promotion does not read as automation
    automatic: e.actorKind === "system" && e.actor === SYSTEM.name,
    reason: e.reason,
    detail: changes(e.before as Snapshot, e.after as Snapshot),
    tone: TONE[e.action] ?? "grey",
  }));
  // Only changes of recommendation are shown: an evaluation every minute that repeats HOLD is noise.
  const evaluations: TimelineEntry[] = [];
  const chronological = [...decisions].sort((x, y) => x.evaluatedAt.localeCompare(y.evaluatedAt));
  let previous: string | null = null;
  for (const d of chronological) {
    if (d.recommendation === previous) continue;
    previous = d.recommendation;
    evaluations.push({
      at: d.evaluatedAt,
      kind: "decision",
      title: `Evaluation: ${d.recommendation.toUpperCase()}`,
      actor: "evaluator",
      automatic: true,
      reason: null,
      detail: d.reasons.map((r) => r.message).join(" ") || null,
      tone: d.recommendation === "rollback" ? "red" : d.recommendation === "promote" ? "green" : "amber",
    });
  }
  return [...audit, ...evaluations].sort((x, y) => y.at.localeCompare(x.at));
}
