// Loads a holdback-0 toggle's before/after view (./before-after.sql.ts) for decide() and the results.
import { chQuery } from "@/db/clickhouse/client";
import { toggleHoldback } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";
import { MIN_BASELINE_MINUTES, num, pairedSums, type PairedRow } from "./bake";
import { BEFORE_AFTER_SQL } from "./before-after.sql";
import type { BeforeAfterInputs } from "./types";

/** null unless the experiment is a started toggle with holdback 0. */
export async function loadBeforeAfter(e: Experiment, now: Date): Promise<BeforeAfterInputs | null> {
  if (e.strategy !== "toggle" || toggleHoldback(e) !== 0 || !e.startedAt) return null;
  const baselineMinutes = MIN_BASELINE_MINUTES;
  const fromMs = Date.parse(e.startedAt) - baselineMinutes * 60_000;
  const [row] = await chQuery<PairedRow>(BEFORE_AFTER_SQL, { experiment: e.key, on: e.treatment, fromMs, untilMs: now.getTime() + 1, baselineMinutes });
  return { variant: e.treatment, baselineMinutes, users: num(row?.users), metrics: { error_rate: pairedSums(row ?? {}, "err"), page_load_time: pairedSums(row ?? {}, "pl") } };
}
