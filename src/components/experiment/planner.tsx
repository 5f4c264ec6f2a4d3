// Sample size and expected duration per stage, from the traffic and variance observed so far
// (analysis/ power functions; nothing here is re-derived by hand). Sized for the always-valid
// (sequential) test that results and decisions actually run, not a fixed-horizon test: that would
// need about half the users and make every duration about half what it will be.
import { DEFAULT_SEQUENTIAL_TUNING, sequentialSampleSizeForMeans, sequentialSampleSizeForProportions } from "@analysis";
import { toggleHoldback, verificationShare } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";
import { cardClass, tableClass } from "../ui/styles";
import { requestTime } from "./format";
import type { ResultsView } from "@/server/dashboard/view";

const MDES = [0.02, 0.05, 0.1];

/** Share of all eligible units in each arm at a stage, per strategy (canary keeps the arms 1:1 up to 50 %). */
export function armShare(strategy: Experiment["strategy"], stage: number, smallest?: number): number {
  if (strategy === "canary") return Math.min(stage, 100 - stage || stage) / 100;
  if (strategy === "ab") return stage / 100 / 2;
  // toggle: the holdback; blue_green: the verification share (the arm that fills slowest)
  if (smallest !== undefined) return Math.min(stage / 100, smallest);
  return stage / 100;
}

/** The share of eligible units the slowest arm gets by configuration (toggle / blue_green), and why it may be none. */
function slowestArm(e: Experiment): { share?: number; blocked: string | null } {
  if (e.strategy === "toggle") {
    const h = toggleHoldback(e) / 100;
    return { share: h, blocked: h > 0 ? null : "Holdback 0 %: no unit keeps the old behaviour, so no comparison arm fills and no duration can be given. Set rollout.holdback (e.g. 10) to compare." };
  }
  if (e.strategy === "blue_green") {
    const v = verificationShare(e) / 100;
    if (e.targeting) return { blocked: null };
    return {
      share: v,
      blocked:
        v > 0
          ? null
          : "No verification traffic (no targeting, rollout.verificationShare 0): the idle side never fills and no duration can be given. Target internal users or set rollout.verificationShare.",
    };
  }
  return { blocked: null };
}

function days(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (n < 1 / 24) return `${Math.max(1, Math.round(n * 24 * 60))} min`;
  if (n < 2) return `${(n * 24).toFixed(1)} h`;
  return `${n.toFixed(1)} days`;
}

export function Planner({ experiment, results }: { experiment: Experiment; results: ResultsView | null }) {
  const primary = results?.metrics.find((m) => m.metric === experiment.metrics.primary);
  const stage = experiment.state.exposure;
  const exposed = results?.arms.reduce((s, a) => s + a.exposures, 0) ?? 0;
  const since = experiment.startedAt ? (requestTime() - new Date(experiment.startedAt).getTime()) / 86_400_000 : 0;
  const perArmPerDayNow = since > 0 && exposed > 0 ? exposed / Math.max(results?.arms.length ?? 2, 1) / since : null;
  const fullTrafficPerDay = perArmPerDayNow !== null && stage > 0 ? perArmPerDayNow / Math.max(armShare(experiment.strategy, stage), 1e-9) : null;
  const baseline = primary?.control.value ?? null;
  const variance = primary?.control.variance ?? null;

  let rows: { mde: number; perArm: number }[] = [];
  const slowest = slowestArm(experiment);
  let problem: string | null = slowest.blocked;
  try {
    if (problem) rows = [];
    else if (baseline === null || variance === null || !(baseline > 0) || !(variance > 0)) problem = "The planner needs a non-zero baseline and variance of the primary metric in the control arm.";
    else
      rows = MDES.map((mde) => ({
        mde,
        perArm:
          primary!.unit === "share" && baseline < 1
            ? sequentialSampleSizeForProportions({ baselineRate: baseline, mde, relative: true }, { alpha: experiment.metrics.alpha, tuning: DEFAULT_SEQUENTIAL_TUNING }).control
            : sequentialSampleSizeForMeans({ standardDeviation: Math.sqrt(variance), mde: mde * baseline }, { alpha: experiment.metrics.alpha, tuning: DEFAULT_SEQUENTIAL_TUNING }).control,
      }));
  } catch (e) {
    problem = (e as Error).message;
  }
  // a canary at 100 % has no baseline left to compare with
  const stages = experiment.strategy === "canary" ? experiment.rollout.stages.filter((s) => s < 100) : experiment.rollout.stages;

  return (
    <section aria-labelledby="planner-heading" className={cardClass}>
      <h2 id="planner-heading" className="font-semibold">
        Planner
      </h2>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Users per arm to detect a relative change of the primary metric <span className="font-mono">{experiment.metrics.primary}</span> with the always-valid sequential test (alpha{" "}
        {experiment.metrics.alpha}, power 80 %), and how long each stage would take at the traffic seen so far
        {fullTrafficPerDay !== null ? ` (≈ ${Math.round(fullTrafficPerDay).toLocaleString("en")} eligible users per day)` : ""}.
      </p>
      {problem ? (
        <p className="mt-2 text-sm text-slate-500">{problem}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className={`${tableClass} mt-2`} data-testid="planner-table">
            <thead>
              <tr>
                <th scope="col">Effect</th>
                <th scope="col" className="text-right">
                  Users per arm
                </th>
                {stages.map((s) => (
                  <th key={s} scope="col" className="text-right">
                    at {s} %
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.mde}>
                  <th scope="row">±{(r.mde * 100).toFixed(0)} %</th>
                  <td className="text-right tabular-nums">{r.perArm.toLocaleString("en")}</td>
                  {stages.map((s) => (
                    <td key={s} className="text-right tabular-nums">
                      {fullTrafficPerDay ? days(r.perArm / (fullTrafficPerDay * armShare(experiment.strategy, s, slowest.share))) : "–"}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
