/* eslint-disable @typescript-eslint/no-explicit-any -- route responses are asserted field by field */
// End-to-end rollout rehearsals: experiments are created and acted on through the API's route
// handlers, traffic comes from the simulator through POST /api/v1/assign and /api/v1/events with
// the client key, and after every batch of traffic the experiment is evaluated through
// POST /api/v1/experiments/{key}/evaluate, as the evaluator would do on its interval.
import * as collection from "@/app/api/v1/experiments/route";
import * as item from "@/app/api/v1/experiments/[key]/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as evaluate from "@/app/api/v1/experiments/[key]/evaluate/route";
import * as assignRoute from "@/app/api/v1/assign/route";
import { flushIngestion } from "@/server/ingestion/pipeline";
import { runSimulation, type SimulationOptions, type SimulationReport } from "@/simulator";
import { inProcessTransport } from "@/simulator/in-process";
import { call, fixSalt, TEST_CLIENT_KEY } from "./app";

export const transport = () => inProcessTransport({ clientKey: TEST_CLIENT_KEY });

/** `salt`: fixed before the start (./app.ts fixSalt), for a test whose figures depend on who is assigned what. */
export async function createRunning(body: Record<string, unknown>, opts: { salt?: string } = {}): Promise<any> {
  const created = await call(collection.POST, { body });
  if (created.status !== 201) throw new Error(`create ${String(body.key)}: ${created.status} ${JSON.stringify(created.body)}`);
  if (opts.salt) await fixSalt(String(body.key), opts.salt);
  const started = await call(start.POST, { params: { key: String(body.key) }, body: {} });
  if (started.status !== 200) throw new Error(`start ${String(body.key)}: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body;
}

export async function getExperimentBody(key: string): Promise<any> {
  return (await call(item.GET, { params: { key } })).body;
}

/** Waits for acknowledged events to reach ClickHouse, then evaluates through the API. */
export async function evaluateNow(key: string): Promise<any> {
  await flushIngestion();
  const res = await call(evaluate.POST, { params: { key }, body: {} });
  if (res.status !== 200) throw new Error(`evaluate ${key}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface Rehearsal {
  report: SimulationReport;
  decisions: any[];
  experiment: any;
}

/**
 * Sends traffic in batches and evaluates after each, until `until` holds for the experiment (or the
 * users run out). Every decision is returned in order.
 */
export async function rehearse(opts: Omit<SimulationOptions, "transport" | "onBatch"> & { until: (experiment: any, decision: any) => boolean }): Promise<Rehearsal> {
  const decisions: any[] = [];
  let experiment: any;
  let last = performance.now();
  const report = await runSimulation({
    ...opts,
    transport: transport(),
    onBatch: async () => {
      const t0 = performance.now();
      await flushIngestion();
      const t1 = performance.now();
      const decision = await evaluateNow(opts.experiment);
      if (process.env.ROLLOUT_DEBUG)
        console.log(
          `flush ${Math.round(t1 - t0)} ms, evaluate ${Math.round(performance.now() - t1)} ms, sim ${Math.round(t0 - last)} ms`,
          decision.recommendation,
          JSON.stringify(decision.reasons.find((r: any) => r.code === "srm_mismatch")?.evidence ?? ""),
        );
      last = performance.now();
      decisions.push(decision);
      experiment = await getExperimentBody(opts.experiment);
      return opts.until(experiment, decision) || experiment.status !== "running" ? "stop" : undefined;
    },
  });
  return { report, decisions, experiment: experiment ?? (await getExperimentBody(opts.experiment)) };
}

/** What /assign serves these users in one experiment, without logging exposures. */
export async function served(experiment: string, userIds: string[]): Promise<{ variant: string; exposed: boolean }[]> {
  const out: { variant: string; exposed: boolean }[] = [];
  for (let i = 0; i < userIds.length; i += 1000) {
    const units = userIds.slice(i, i + 1000).map((userId) => ({ userId }));
    const res = await call(assignRoute.POST, { token: TEST_CLIENT_KEY, body: { units, log: false } });
    if (res.status !== 200) throw new Error(`assign: ${res.status} ${JSON.stringify(res.body)}`);
    out.push(...res.body.results.map((r: any) => r.assignments.find((a: any) => a.experiment === experiment)));
  }
  return out;
}

/** A one-line trace of decisions for failure messages: recommendation:stage:reason/metric+... */
export function trace(decisions: any[]): string {
  return decisions.map((d) => `${d.recommendation}:${d.stage}:${d.reasons.map((r: any) => `${r.code}${r.metric ? `/${r.metric}` : ""}`).join("+")}`).join(" ");
}
