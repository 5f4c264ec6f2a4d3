// `npm run bench [-- name ...]`: runs each benchmark in its own process (chDB binds one data directory
// per process) and prints its figures, each against a baseline measured in the same run.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const BENCHES: Record<string, { file: string; what: string }> = {
  sdk: { file: "sdk-eval.ts", what: "SDK local evaluation vs GrowthBook's SDK (1,000,000 users x 20 experiments)" },
  assign: { file: "assign.ts", what: "POST /api/v1/assign on next start vs a bare node:http server" },
  ingest: { file: "ingest.ts", what: "POST /api/v1/events on the production server vs direct @clickhouse/client inserts" },
  results: { file: "results.ts", what: "results endpoint vs a bare GROUP BY scan over 10,000,000 events" },
  dashboard: { file: "dashboard.ts", what: "experiment page interactive time with 10,000,000 events" },
  stream: { file: "stream-fanout.ts", what: "snapshot stream fan-out to 1,000 and 10,000 streams on the production server vs bare sockets" },
  password: { file: "password-hash.ts", what: "event-loop pause of a password check: bcryptjs vs scrypt on the threadpool" },
  "time-to-safety": { file: "time-to-safety.ts", what: "time to safety: planted harm to every connected client on control, 1,000 and 10,000 streams; manual rollback and kill-switch fan-out" },
  "evaluator-scale": { file: "evaluator-scale.ts", what: "evaluator: full pass and event-driven latency, 100 experiments x 100,000 exposed users" },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(BENCHES);
let failed = 0;
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark '${name}'; choose from ${Object.keys(BENCHES).join(", ")}`);
    process.exit(2);
  }
  console.log(`\n=== ${name}: ${bench.what}`);
  const started = Date.now();
  const r = spawnSync(join(process.cwd(), "node_modules/.bin/tsx"), [join("bench", bench.file)], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  console.log(`=== ${name}: ${r.status === 0 ? "done" : `FAILED (exit ${r.status})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
