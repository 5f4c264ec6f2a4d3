// Loads the paired before/after sums of a blue-green bake (./bake.sql.ts) for decide().
import { chQuery } from "@/db/clickhouse/client";
import { bakeMinutes } from "@/server/experiments/defaults";
import type { Experiment } from "@/server/experiments/types";
import { BAKE_PAIRED_SQL } from "./bake.sql";
import type { BakeInputs, PairedSums } from "./types";

/** The baseline window before the switch: as long as the bake, and at least an hour of traffic. */
export const MIN_BASELINE_MINUTES = 60;

/** A row of PAIRED_SUMS columns (bake.sql.ts), read as the paired sums of one metric by its column prefix. */
export type PairedRow = Record<string, number | string>;
export const num = (v: number | string | undefined) => Number(v ?? 0);
export const pairedSums = (r: PairedRow, p: string): PairedSums => ({
  n: num(r[`${p}_n`]),
  sumBefore: num(r[`${p}_sb`]),
  sumAfter: num(r[`${p}_sa`]),
  sumSqBefore: num(r[`${p}_sbb`]),
  sumSqAfter: num(r[`${p}_saa`]),
  sumProduct: num(r[`${p}_sab`]),
});

export async function loadBakeInputs(e: Experiment, now: Date): Promise<BakeInputs | null> {
  if (e.strategy !== "blue_green" || e.state.phase !== "bake" || !e.state.switchedAt || !e.state.previousLive) return null;
  const switchAtMs = Date.parse(e.state.switchedAt);
  const baselineMinutes = Math.max(bakeMinutes(e), MIN_BASELINE_MINUTES);
  const baselineFromMs = switchAtMs - baselineMinutes * 60_000;
  const [row] = await chQuery<PairedRow>(BAKE_PAIRED_SQL, { experiment: e.key, previous: e.state.previousLive, baselineFromMs, switchAtMs, untilMs: now.getTime() + 1 });
  return {
    switchedAt: e.state.switchedAt,
    previousLive: e.state.previousLive,
    live: e.state.live ?? e.treatment,
    baselineFrom: new Date(baselineFromMs).toISOString(),
    bakeMinutes: bakeMinutes(e),
    usersBefore: num(row?.users_before),
    metrics: { error_rate: pairedSums(row ?? {}, "err"), page_load_time: pairedSums(row ?? {}, "pl") },
  };
}
