"use client";
// Filters live in the URL (?status=&strategy=&q=), so a filtered list can be shared and reloaded.
import { usePathname, useRouter } from "next/navigation";
import { useTransition } from "react";
import { buttonClass, inputClass } from "./ui/styles";

const STATUSES = ["draft", "running", "paused", "promoted", "rolled_back", "completed"];
const STRATEGIES = ["ab", "canary", "blue_green", "rolling", "toggle"];

export function ExperimentFilters({ status, strategy, q }: { status?: string; strategy?: string; q?: string }) {
  const router = useRouter();
  const path = usePathname();
  const [pending, start] = useTransition();

  function apply(form: HTMLFormElement) {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === "string" && v.trim()) params.set(k, v.trim());
    start(() => router.replace(params.size ? `${path}?${params}` : path));
  }

  return (
    <form
      role="search"
      aria-label="Filter experiments"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        apply(e.currentTarget);
      }}
    >
      <div>
        <label htmlFor="filter-q" className="block text-xs font-medium text-slate-500">
          Search
        </label>
        <input id="filter-q" name="q" type="search" defaultValue={q} placeholder="key or name" className={`${inputClass} w-56`} />
      </div>
      <div>
        <label htmlFor="filter-status" className="block text-xs font-medium text-slate-500">
          Status
        </label>
        <select id="filter-status" name="status" defaultValue={status ?? ""} className={inputClass} onChange={(e) => apply(e.currentTarget.form!)}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", " ")}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="filter-strategy" className="block text-xs font-medium text-slate-500">
          Strategy
        </label>
        <select id="filter-strategy" name="strategy" defaultValue={strategy ?? ""} className={inputClass} onChange={(e) => apply(e.currentTarget.form!)}>
          <option value="">any</option>
          {STRATEGIES.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", "-")}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className={buttonClass.secondary} disabled={pending}>
        {pending ? "Filtering…" : "Apply"}
      </button>
    </form>
  );
}
