/**
 * Cost of the novelty view (issue 16): GET …/results?novelty=1 vs the plain warm read.
 *
 *   npx tsx bench/novelty.ts [users] [events] [--primary engagement_per_user]
 *
 * Generates the data of bench/results.ts (users exposed over 5 days starting 8 days ago, the same
 * event mix, 0.2 % multiple exposures, 1 % re-sent duplicates), then, after a warm-up that builds the
 * rollup, times warm reads: getResults, then getResults with novelty, getNovelty alone (the refresh
 * check and the stored rows' lookup), and getNovelty with the stored rows cleared (its two queries). The machine is shared: only same-run ratios mean anything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = process.argv.slice(2);
  const positional = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  const users = Number(positional[0] ?? 1_000_000);
  const events = Number(positional[1] ?? 10_000_000);
  const primary = args.includes("--primary") ? args[args.indexOf("--primary") + 1] : "engagement_per_user";
  const repeats = 7;
  const dir = mkdtempSync(join(tmpdir(), "verdict-bench-novelty-"));
  process.env.VERDICT_DATA_DIR = dir;
  process.env.VERDICT_RESULTS_CACHE_SECONDS = "0";
  process.env.VERDICT_SEED_DEMO = "false";
  const { boot } = await import("../src/server/boot");
  const { chCommand, closeEventStore } = await import("../src/db/clickhouse/client");
  const { closeConfigStore } = await import("../src/db/postgres");
  const { SYSTEM } = await import("../src/server/auth/principal");
  const { createExperiment } = await import("../src/server/experiments/create");
  const { startExperiment } = await import("../src/server/experiments/lifecycle");
  const { getExperiment } = await import("../src/server/experiments/get");
  const { CreateExperimentSchema } = await import("../src/server/experiments/schemas");
  const { getResults } = await import("../src/server/results/get");
  const { getNovelty, REFRESH_OVERLAP_MS } = await import("../src/server/evidence");
  try {
    await boot({ background: false });
    const key = "bench-novelty";
    await createExperiment({ actor: SYSTEM, input: CreateExperimentSchema.parse({ key, name: key, strategy: "ab", metrics: { primary } }) });
    await startExperiment({ actor: SYSTEM, key });
    const t0 = Date.now() - 8 * 86_400_000;
    const p = { key, t0, span: 5 * 86_400_000, users, other: events - users - Math.floor(users * 0.002) };
    let s = performance.now();
    await chCommand(
      `INSERT INTO events (id, type, user_id, experiment, variant, value, timestamp)
       SELECT concat('x', toString(number)), 'exposure', concat('u', toString(number)), {key:String}, if(number % 2 = 0, 'control', 'treatment'), 1,
              fromUnixTimestamp64Milli(toInt64({t0:Int64} + intHash64(number) % {span:Int64}), 'UTC')
       FROM numbers({users:UInt64})`,
      p,
    );
    await chCommand(
      `INSERT INTO events (id, type, user_id, experiment, variant, value, timestamp)
       SELECT concat('y', toString(number)), 'exposure', concat('u', toString(number)), {key:String}, if(number % 2 = 0, 'treatment', 'control'), 1,
              fromUnixTimestamp64Milli(toInt64({t0:Int64} + intHash64(number) % {span:Int64} + 3600000), 'UTC')
       FROM numbers({users:UInt64}) WHERE number % 500 = 7`,
      p,
    );
    await chCommand(
      `INSERT INTO events (id, type, name, user_id, value, timestamp)
       SELECT concat('e', toString(number)),
              multiIf(k < 380, 'page_load', k < 680, 'request', k < 830, 'engagement', k < 860, 'error', k < 880, 'feedback', 'metric'),
              if(k >= 880, if(k < 960, 'orders_placed', 'revenue'), ''),
              concat('u', toString(u)),
              multiIf(k < 380, 200 + -ln((bitShiftRight(h, 8) % 1000000 + 1) / 1e6) * 600, k >= 860 AND k < 880, 1 + h % 5, k >= 880, h % 4, 1),
              fromUnixTimestamp64Milli(toInt64({t0:Int64} + intHash64(u) % {span:Int64} + bitShiftRight(h, 32) % 172800000 - 10800000), 'UTC')
       FROM (SELECT number, intHash64(number + 40503) AS h, h % {users:UInt64} AS u, bitShiftRight(h, 40) % 1000 AS k FROM numbers({other:UInt64}))
       SETTINGS max_insert_threads = 2`,
      p,
    );
    await chCommand(`INSERT INTO events SELECT * FROM events WHERE type != 'exposure' AND cityHash64(id) % 100 = 0`);
    console.log(`${users.toLocaleString()} users / ${events.toLocaleString()} events, primary ${primary}: generated in ${((performance.now() - s) / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, REFRESH_OVERLAP_MS + 500));
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    s = performance.now();
    await getResults({ key });
    console.log(`first getResults (builds the rollup): ${(performance.now() - s).toFixed(0)} ms`);
    const first = await getNovelty({ experiment: await getExperiment({ key }) });
    console.log(
      `novelty: source ${first.source}, ${first.days.length} days, trend p ${first.trend?.pValue.toPrecision(3)}; warm-up ${(await time(() => getResults({ key, novelty: true }))).toFixed(0)} ms`,
    );
    const plain: number[] = [];
    const withNovelty: number[] = [];
    const alone: number[] = [];
    const recompute: number[] = [];
    const experiment = await getExperiment({ key });
    for (let i = 0; i < repeats; i++) {
      plain.push(await time(() => getResults({ key })));
      withNovelty.push(await time(() => getResults({ key, novelty: true })));
      alone.push(await time(() => getNovelty({ experiment })));
      await chCommand("TRUNCATE TABLE results_summaries");
      recompute.push(await time(() => getNovelty({ experiment })));
      await getResults({ key }); // untimed: stores getResults' own rows again (the TRUNCATE cleared them too)
      console.log(
        `run ${i + 1}: getResults ${plain[i].toFixed(0)} ms, with novelty ${withNovelty[i].toFixed(0)} ms, getNovelty alone ${alone[i].toFixed(0)} ms, getNovelty with the stored rows cleared ${recompute[i].toFixed(0)} ms`,
      );
    }
    const m = { plain: median(plain), withNovelty: median(withNovelty), alone: median(alone), recompute: median(recompute) };
    console.log(
      `medians: getResults ${m.plain.toFixed(0)} ms, ?novelty=1 ${m.withNovelty.toFixed(0)} ms (+${(((m.withNovelty - m.plain) / m.plain) * 100).toFixed(0)} %), getNovelty alone ${m.alone.toFixed(0)} ms, computing its two queries ${m.recompute.toFixed(0)} ms; load ${loadavg()
        .map((x) => x.toFixed(1))
        .join(" / ")}`,
    );
  } finally {
    await closeEventStore().catch(() => {});
    await closeConfigStore().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
