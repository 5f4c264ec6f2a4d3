/**
 * The statistical limit of bench/time-to-safety.ts, computed offline: the earliest time at which the
 * decision rule, run on the events the server had received by then, would roll back.
 *
 *   tsx bench/time-to-safety-offline.ts export <out.jsonl>           (VERDICT_DATA_DIR = the run's data)
 *   tsx bench/time-to-safety-offline.ts replay <in.jsonl> <experiment.json> <fromMs> <toMs> <stepMs>
 *                                                                     (VERDICT_DATA_DIR = a fresh directory)
 *
 * Two processes because chDB binds one data directory per process. `replay` migrates a fresh store,
 * then walks T from `fromMs` to `toMs`: inserts the events received in (T - step, T] through the
 * pipeline's own insert path (so the first-exposures view fills as in production), and runs the
 * product's own loadDecisionInputs + decide at T, carrying the running minima from one step to the
 * next as the evaluator does. It prints the first T whose recommendation is a rollback.
 */
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { chQuery, closeEventStore, getPayloadInserter } from "@/db/clickhouse/client";
import { boot } from "@/server/boot";
import { decide } from "@/server/decisions/decide";
import { loadDecisionInputs } from "@/server/decisions/inputs";
import { resolveParameters } from "@/server/decisions/parameters";
import type { Experiment } from "@/server/experiments/types";

const COLUMNS = "id, type, name, user_id, experiment, variant, value, properties, toUnixTimestamp64Milli(timestamp) AS timestamp, toUnixTimestamp64Milli(received_at) AS received_at";

async function exportEvents(out: string): Promise<void> {
  await boot({ background: false });
  const rows = await chQuery<Record<string, unknown>>(`SELECT ${COLUMNS} FROM events ORDER BY received_at`);
  const file = createWriteStream(out);
  for (const r of rows) file.write(`${JSON.stringify({ ...r, timestamp: Number(r.timestamp), received_at: Number(r.received_at) })}\n`);
  await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
  console.log(JSON.stringify({ exported: rows.length }));
}

async function replay(input: string, experimentFile: string, fromMs: number, toMs: number, stepMs: number): Promise<void> {
  await boot({ background: false });
  const experiment = JSON.parse(readFileSync(experimentFile, "utf8")) as Experiment;
  const params = resolveParameters(experiment);
  const lines: { at: number; line: string }[] = [];
  for await (const line of createInterface({ input: createReadStream(input) })) {
    if (line) lines.push({ at: (JSON.parse(line) as { received_at: number }).received_at, line });
  }
  const insert = await getPayloadInserter();
  const settings = { insert_deduplication_token: "", async_insert: 0, input_format_json_read_objects_as_strings: 1, max_partitions_per_insert_block: 0 };
  let next = 0;
  let carried: Record<string, number> = {};
  const push = async (until: number) => {
    const start = next;
    while (next < lines.length && lines[next].at <= until) next++;
    if (next > start)
      await insert(
        "events",
        "JSONEachRow",
        Buffer.from(
          lines
            .slice(start, next)
            .map((l) => `${l.line}\n`)
            .join(""),
        ),
        settings,
      );
  };
  await push(fromMs);
  let steps = 0;
  for (let t = fromMs; t <= toMs; t += stepMs) {
    await push(t);
    const inputs = await loadDecisionInputs(experiment, params, new Date(t), carried);
    const decision = decide(inputs, params);
    carried = decision.carry;
    steps++;
    if (decision.recommendation === "rollback") {
      console.log(JSON.stringify({ tStat: t, steps, reason: decision.reasons[0]?.message ?? null, eventsByThen: next }));
      return;
    }
  }
  console.log(JSON.stringify({ tStat: null, steps, eventsByThen: next }));
}

const [mode, ...args] = process.argv.slice(2);
const run = mode === "export" ? exportEvents(args[0]) : replay(args[0], args[1], Number(args[2]), Number(args[3]), Number(args[4]));
// closeEventStore before exiting: the rollup's state write and the stored-summaries write may still be
// running in chDB after the last read, and exiting under a running statement crashes the process
run.then(
  () => closeEventStore().then(() => process.exit(0)),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
