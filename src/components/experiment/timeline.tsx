import { cardClass } from "../ui/styles";
import { formatWhen } from "./format";
import type { TimelineEntry } from "@/server/dashboard/view";

const DOT = { green: "bg-green-600", red: "bg-red-600", amber: "bg-amber-500", blue: "bg-sky-600", grey: "bg-slate-400" };

export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <section aria-labelledby="timeline-heading" className={cardClass}>
      <h2 id="timeline-heading" className="font-semibold">
        Rollout timeline
      </h2>
      {entries.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">Nothing has happened yet.</p>
      ) : (
        <ol className="mt-3 max-h-[32rem] space-y-3 overflow-y-auto border-l border-slate-200 pl-4 dark:border-slate-700" data-testid="timeline">
          {entries.map((e, i) => (
            <li key={i} className="relative text-sm">
              <span aria-hidden className={`absolute -left-[1.3rem] top-1.5 h-2.5 w-2.5 rounded-full ${DOT[e.tone]}`} />
              <p>
                <span className="font-medium">{e.title}</span>
                <span className="text-slate-500">
                  {" "}
                  · {e.automatic ? "automatic" : e.actor} · <time dateTime={e.at}>{formatWhen(e.at)}</time>
                </span>
              </p>
              {e.detail && <p className="text-xs text-slate-600 dark:text-slate-400">{e.detail}</p>}
              {e.reason && <p className="text-xs italic text-slate-600 dark:text-slate-400">“{e.reason}”</p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
