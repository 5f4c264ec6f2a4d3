// Loads a holdback-0 toggle's before/after view (./before-after.sql.ts) for decide() and the results.
import { chQuery } from "@/db/clickhouse/client";
import { toggleHoldback } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";
import { MIN_BASELINE_MINUTES } from "./bake";
import { BEFORE_AFTER_SQL } from "./before-after.sql";
import type { BeforeAfterInputs, PairedSums } from "./types";

type Row = Record<string, number | string>;
const n = (v: number | string | undefined) => Number(v ?? 0);
const sums = (r: Row, p: string): PairedSums => ({
  n: n(r[`${p}_n`]),
  sumBefore: n(r[`${p}_sb`]),
  sumAfter: n(r[`${p}_sa`]),
  sumSqBefore: n(r[`${p}_sbb`]),
  sumSqAfter: n(r[`${p}_saa`]),
  sumProduct: n(r[`${p}_sab`]),
});

/** null unless the experiment is a started toggle with holdback 0. */
export async function loadBeforeAfter(e: Experiment, now: Date): Promise<BeforeAfterInputs | null> {
  if (e.strategy !== "toggle" || toggleHoldback(e) !== 0 || !e.startedAt) return null;
  const baselineMinutes = MIN_BASELINE_MINUTES;
  const fromMs = Date.parse(e.startedAt) - baselineMinutes * 60_000;
  const [row] = await chQuery<Row>(BEFORE_AFTER_SQL, { experiment: e.key, on: e.treatment, fromMs, untilMs: now.getTime() + 1, baselineMinutes });
  return { variant: e.treatment, baselineMinutes, users: n(row?.users), metrics: { error_rate: sums(row ?? {}, "err"), page_load_time: sums(row ?? {}, "pl") } };
}
