// Peak memory of a server under benchmark: it runs as a process group (tsx, node, Next's workers).
import { readdirSync, readFileSync } from "node:fs";

/** Peak RSS (VmHWM, kB) summed over every process of a process group. */
export function peakRssKb(pgid: number): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      total += m ? Number(m[1]) : 0;
    } catch {
      /* process ended */
    }
  }
  return total;
}
