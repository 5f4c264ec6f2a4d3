// The evaluator: running experiments are evaluated, and acted on per their automation mode,
//   * as soon as new events of theirs are stored (./triggers.ts marks them; within ~1–2 s), and
//   * every VERDICT_EVALUATOR_INTERVAL_SECONDS as a backstop (0 = the evaluator is off): a pass
//     marks every running experiment.
// Both go through one fair, bounded queue (./scheduler.ts): round-robin, at most
// EVALUATOR_CONCURRENCY evaluations at once, never two of one experiment, at most one per experiment
// per second. Passes never overlap; one experiment's failure is logged and does not stop the others.
// Tests call runEvaluatorTick() directly (it uses the same queue, started or not).
import { SYSTEM } from "@/server/auth/principal";
import { env } from "@/core/env";
import { isAppError } from "@/core/errors";
import { processSingleton } from "@/core/process-singleton";
import { urgentEngineWork } from "@/db/clickhouse/client";
import { listExperiments } from "@/server/experiments/list";
import { registerHealthSection } from "@/server/health";
import { evaluateExperiment } from "./evaluate";
import { evaluationsHeld } from "./hold";
import { boundProblem, LatencyWindow, storedToDecisionObservers, type StoredToDecisionSummary } from "./latency";
import { EvaluationScheduler, type Outcome } from "./scheduler";
import { EventTrigger } from "./triggers";

/**
 * chDB runs one statement at a time per process, so more workers do not run more statements at once.
 * They overlap Node's part of an evaluation (decide, the config store) with the engine's. They also
 * let the rollup refreshes of several dirty experiments run as one batch (evidence/rollup.ts lanes:
 * one state read, one INSERT, one state write for all), their summary reads share statements
 * (clickhouse/union-batch.ts), and their stored summaries go in one write. 32 = a full refresh
 * batch: at 100 × 100k under a busy stream, 8 served a busy experiment's batch at p50 16.9 s and 32
 * at 3.1 s (decisions/README.md "Scale").
 */
export const EVALUATOR_CONCURRENCY = 32;
/** Beyond EVALUATOR_CONCURRENCY, for evaluations after a quiet spell only (./scheduler.ts `quietExtra`). */
export const QUIET_EXTRA_EVALUATIONS = 2;
/** Coalescing: at most one evaluation start per experiment per this many ms. */
export const MIN_EVALUATION_INTERVAL_MS = 1_000;

export interface TickResult {
  startedAt: string;
  evaluated: { key: string; recommendation: string; action: string | null; trigger: string | null }[];
  failed: { key: string; error: string }[];
  durationMs: number;
}

interface LoopState {
  timer?: NodeJS.Timeout;
  running?: Promise<TickResult>;
  last?: TickResult;
  runs: number;
  healthRegistered?: boolean;
  scheduler?: EvaluationScheduler;
  trigger?: EventTrigger;
  /** stored rows → decision, the last 5 minutes (./latency.ts) */
  storedToDecision: LatencyWindow;
}
// One evaluator per process even if the bundler duplicates this module.
const state = processSingleton<LoopState>("decisions.evaluator", () => ({ runs: 0, storedToDecision: new LatencyWindow() }));

function scheduler(): EvaluationScheduler {
  state.scheduler ??= new EvaluationScheduler({
    concurrency: EVALUATOR_CONCURRENCY,
    quietExtra: QUIET_EXTRA_EVALUATIONS,
    minIntervalMs: MIN_EVALUATION_INTERVAL_MS,
    onStoredToDecision: (ms) => {
      state.storedToDecision.add(Date.now(), ms);
      for (const fn of storedToDecisionObservers()) fn(ms / 1000);
    },
    evaluate: async (key, trigger, { quiet }) => {
      // the demo seed evaluates these itself, with past hours as the clock (./hold.ts)
      if (evaluationsHeld(key)) return null;
      try {
        // after a quiet spell, its statements go ahead of busy experiments' in chDB's one slot
        const run = () => evaluateExperiment({ key, actor: SYSTEM, trigger });
        return await (quiet ? urgentEngineWork(run) : run());
      } catch (err) {
        // marked by its events, then finished (e.g. rolled back by the evaluation before): nothing to do
        if (trigger === "events" && isAppError(err) && err.code === "invalid_transition") return null;
        console.error(`[verdict] evaluation of '${key}' (${trigger}) failed: ${(err as Error).message}`);
        throw err;
      }
    },
  });
  return state.scheduler;
}

async function tick(): Promise<TickResult> {
  const start = Date.now();
  const result: TickResult = { startedAt: new Date(start).toISOString(), evaluated: [], failed: [], durationMs: 0 };
  const outcomes: Outcome[] = await Promise.all((await listExperiments({ status: "running" })).map((e) => scheduler().mark(e.key, "timer")));
  for (const o of outcomes) {
    if (o.decision) result.evaluated.push({ key: o.key, recommendation: o.decision.recommendation, action: o.decision.action, trigger: o.decision.trigger });
    else if (o.error) result.failed.push({ key: o.key, error: o.error });
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

/** Asks for an evaluation because the experiment's events changed (./triggers.ts; tests). */
export function markExperimentDirty(key: string, storedAt?: number): Promise<Outcome> {
  return scheduler().mark(key, "events", storedAt);
}

export function evaluatorStatus(): { runs: number; intervalSeconds: number; last: TickResult | null; eventDriven: boolean; queue: ReturnType<typeof queueStats> } {
  return { runs: state.runs, intervalSeconds: env().VERDICT_EVALUATOR_INTERVAL_SECONDS, last: state.last ?? null, eventDriven: state.trigger !== undefined, queue: queueStats() };
}

/** This instance's stored → decision figure over the last 5 minutes, and whether health calls it a miss (the Decisions page). */
export function timeToSafety(): { summary: StoredToDecisionSummary; eventDriven: boolean; missing: boolean } {
  const summary = state.storedToDecision.summary(Date.now());
  return { summary, eventDriven: state.trigger !== undefined, missing: boundProblem(summary) !== null };
}

function queueStats() {
  const s = state.scheduler?.stats;
  const t = state.trigger?.stats;
  return {
    queued: s?.queued ?? 0,
    running: s?.running ?? 0,
    evaluations: s?.evaluations ?? { timer: 0, events: 0, manual: 0 },
    failures: s?.failures ?? 0,
    lastEventLatencyMs: s?.lastEventLatencyMs ?? null,
    kpiResolutions: t?.resolutions ?? 0,
    lastKpiResolveMs: t?.resolveMs ?? null,
    storedToDecision: state.storedToDecision.summary(Date.now()),
  };
}

export function startEvaluator(): void {
  if (!state.healthRegistered) {
    state.healthRegistered = true;
    registerHealthSection(async () => {
      const s = evaluatorStatus();
      return {
        evaluator: {
          intervalSeconds: s.intervalSeconds,
          eventDriven: s.eventDriven,
          runs: s.runs,
          lastRunAt: s.last?.startedAt ?? null,
          lastRunMs: s.last?.durationMs ?? null,
          lastFailures: s.last?.failed.length ?? 0,
          ...s.queue,
        },
        problems: [boundProblem(s.queue.storedToDecision)].filter((p): p is string => p !== null),
      };
    });
  }
  const seconds = env().VERDICT_EVALUATOR_INTERVAL_SECONDS;
  if (seconds <= 0 || state.timer) return;
  if (env().VERDICT_EVALUATOR_EVENTS && !state.trigger) {
    state.trigger = new EventTrigger((key, storedAt) => void markExperimentDirty(key, storedAt));
    state.trigger.start();
  }
  state.timer = setInterval(() => {
    runEvaluatorTick().catch((e) => console.error(`[verdict] evaluator tick failed: ${(e as Error).message}`));
  }, seconds * 1000);
  state.timer.unref();
}

/** Stops the timer and the event trigger; waits for a pass in progress (its decisions and actions complete). */
export async function stopEvaluator(): Promise<void> {
  clearInterval(state.timer);
  state.timer = undefined;
  state.trigger?.stop();
  state.trigger = undefined;
  const pass = state.running?.catch(() => undefined);
  const queue = state.scheduler;
  state.scheduler = undefined;
  queue?.stop(); // queued marks are skipped (the pass resolves); running evaluations finish
  await queue?.settled();
  await pass;
}
