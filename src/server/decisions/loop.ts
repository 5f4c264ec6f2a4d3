// The evaluator: every VERDICT_EVALUATOR_INTERVAL_SECONDS (0 = off) it evaluates every running
// experiment and acts per its automation mode. Ticks never overlap; one experiment's failure is
// logged and does not stop the others. Tests call runEvaluatorTick() directly.
import { SYSTEM } from "@/server/auth/principal";
import { env } from "@/server/env";
import { listExperiments } from "@/server/experiments/list";
import { registerHealthSection } from "@/server/health";
import { evaluateExperiment } from "./evaluate";

export interface TickResult {
  startedAt: string;
  evaluated: { key: string; recommendation: string; action: string | null }[];
  failed: { key: string; error: string }[];
  durationMs: number;
}

interface LoopState {
  timer?: NodeJS.Timeout;
  running?: Promise<TickResult>;
  last?: TickResult;
  runs: number;
  healthRegistered?: boolean;
}
// One evaluator per process even if the bundler duplicates this module.
const KEY = Symbol.for("verdict.decisions.evaluator");
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { runs: 0 }) as LoopState;

async function tick(): Promise<TickResult> {
  const start = Date.now();
  const result: TickResult = { startedAt: new Date(start).toISOString(), evaluated: [], failed: [], durationMs: 0 };
  for (const e of await listExperiments({ status: "running" })) {
    try {
      const d = await evaluateExperiment({ key: e.key, actor: SYSTEM });
      result.evaluated.push({ key: e.key, recommendation: d.recommendation, action: d.action });
    } catch (err) {
      result.failed.push({ key: e.key, error: (err as Error).message });
      console.error(`[verdict] evaluation of '${e.key}' failed: ${(err as Error).message}`);
    }
  }
  result.durationMs = Date.now() - start;
  state.runs++;
  state.last = result;
  return result;
}

/** One pass over every running experiment (joins the pass in progress if there is one). */
export function runEvaluatorTick(): Promise<TickResult> {
  state.running ??= tick().finally(() => (state.running = undefined));
  return state.running;
}

export function evaluatorStatus(): { runs: number; intervalSeconds: number; last: TickResult | null } {
  return { runs: state.runs, intervalSeconds: env().VERDICT_EVALUATOR_INTERVAL_SECONDS, last: state.last ?? null };
}

export function startEvaluator(): void {
  if (!state.healthRegistered) {
    state.healthRegistered = true;
    registerHealthSection(async () => {
      const s = evaluatorStatus();
      return { evaluator: { intervalSeconds: s.intervalSeconds, runs: s.runs, lastRunAt: s.last?.startedAt ?? null, lastFailures: s.last?.failed.length ?? 0 } };
    });
  }
  const seconds = env().VERDICT_EVALUATOR_INTERVAL_SECONDS;
  if (seconds <= 0 || state.timer) return;
  state.timer = setInterval(() => {
    runEvaluatorTick().catch((e) => console.error(`[verdict] evaluator tick failed: ${(e as Error).message}`));
  }, seconds * 1000);
  state.timer.unref();
}

/** Stops the timer; waits for a pass in progress (its decisions and actions complete). */
export async function stopEvaluator(): Promise<void> {
  clearInterval(state.timer);
  state.timer = undefined;
  await state.running?.catch(() => undefined);
}
