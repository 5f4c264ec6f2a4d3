"use client";
// Create or edit a metric definition. The API validates (src/server/metrics/schemas.ts) and names the
// field of every problem; the messages are shown under the field they belong to.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError, api, errorsByPath } from "../api-client";
import { Field, invalidProps } from "../experiment-form/field";
import { FormError } from "../admin/form-parts";
import { buttonClass, cardClass, inputClass } from "../ui/styles";
import { useHydrated } from "../ui/use-hydrated";
import type { MetricFormValue, SelectorValue } from "./types";

const KINDS = ["proportion", "mean", "ratio", "percentile"] as const;
const EVENT_TYPES = ["metric", "engagement", "page_load", "request", "error", "feedback"] as const;
const AGGREGATES = ["count", "sum", "any"] as const;
const UNITS = ["", "ms", "share", "count", "score"] as const;

type Capping = "none" | "percentile" | "absolute";

interface Draft {
  key: string;
  label: string;
  description: string;
  kind: (typeof KINDS)[number];
  direction: "higher_is_better" | "lower_is_better";
  unit: string;
  numerator: { type: string; name: string; aggregate: string; where: string };
  denominator: { type: string; name: string; aggregate: string; where: string };
  percentile: string;
  capping: Capping;
  cap: string;
}

const emptySelector = { type: "metric", name: "", aggregate: "count", where: "" };

function selectorDraft(s: SelectorValue | undefined): Draft["numerator"] {
  if (!s) return { ...emptySelector };
  return { type: s.type, name: s.name ?? "", aggregate: s.aggregate, where: s.where?.length ? JSON.stringify(s.where) : "" };
}

function draftOf(m: MetricFormValue | undefined): Draft {
  const capping: Capping = m?.capping ? ("percentile" in m.capping ? "percentile" : "absolute") : "none";
  return {
    key: m?.key ?? "",
    label: m?.label ?? "",
    description: m?.description ?? "",
    kind: m?.kind ?? "mean",
    direction: m?.direction ?? "higher_is_better",
    unit: m?.unit ?? "",
    numerator: selectorDraft(m?.numerator),
    denominator: selectorDraft(m?.denominator),
    percentile: m?.percentile !== undefined ? String(m.percentile) : "0.95",
    capping,
    cap: m?.capping ? String("percentile" in m.capping ? m.capping.percentile : m.capping.absolute) : "",
  };
}

/** A filter list that is not JSON is sent as given (a string), so the API's message names the field. */
function selectorBody(s: Draft["numerator"]): Record<string, unknown> {
  let where: unknown;
  if (s.where.trim()) {
    try {
      where = JSON.parse(s.where);
    } catch {
      where = s.where;
    }
  }
  return { type: s.type, ...(s.name.trim() ? { name: s.name.trim() } : {}), aggregate: s.aggregate, ...(where !== undefined ? { where } : {}) };
}

function body(d: Draft, editing: boolean): Record<string, unknown> {
  // PATCH: null removes an optional field; a create simply leaves it out
  const absent = editing ? null : undefined;
  const out: Record<string, unknown> = {
    ...(editing ? {} : { key: d.key.trim() }),
    label: d.label,
    description: d.description,
    kind: d.kind,
    direction: d.direction,
    unit: d.unit || absent,
    numerator: selectorBody(d.numerator),
    denominator: d.kind === "ratio" ? selectorBody(d.denominator) : absent,
    percentile: d.kind === "percentile" ? Number(d.percentile) : absent,
    capping: d.capping === "none" ? absent : { [d.capping]: Number(d.cap) },
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function SelectorFields({
  prefix,
  label,
  value,
  onChange,
  errors,
}: {
  prefix: string;
  label: string;
  value: Draft["numerator"];
  onChange: (v: Draft["numerator"]) => void;
  errors: Record<string, string[]>;
}) {
  const id = (f: string) => `metric-${prefix}-${f}`;
  const err = (f: string) => errors[`${prefix}.${f}`] ?? Object.entries(errors).find(([p]) => p.startsWith(`${prefix}.${f}.`))?.[1];
  return (
    <fieldset className="grid gap-3 rounded-md border border-slate-200 p-3 md:grid-cols-4 dark:border-slate-700">
      <legend className="px-1 text-sm font-medium">{label}</legend>
      <Field id={id("type")} label="Event type" errors={err("type")}>
        <select id={id("type")} value={value.type} onChange={(e) => onChange({ ...value, type: e.target.value })} className={inputClass}>
          {EVENT_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </Field>
      <Field id={id("name")} label="Event name" help="Required for metric events" errors={err("name")}>
        <input id={id("name")} value={value.name} onChange={(e) => onChange({ ...value, name: e.target.value })} className={inputClass} {...invalidProps(id("name"), err("name"))} />
      </Field>
      <Field id={id("aggregate")} label="Aggregate" errors={err("aggregate")}>
        <select id={id("aggregate")} value={value.aggregate} onChange={(e) => onChange({ ...value, aggregate: e.target.value })} className={inputClass}>
          {AGGREGATES.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </Field>
      <Field id={id("where")} label="Filters (JSON)" help='e.g. [{"property":"platform","op":"eq","value":"android"}]' errors={err("where")}>
        <input
          id={id("where")}
          value={value.where}
          onChange={(e) => onChange({ ...value, where: e.target.value })}
          className={`${inputClass} font-mono`}
          {...invalidProps(id("where"), err("where"))}
        />
      </Field>
    </fieldset>
  );
}

export function MetricForm({ metric, onDone }: { metric?: MetricFormValue; onDone?: () => void }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const editing = metric !== undefined;
  const [d, setD] = useState<Draft>(() => draftOf(metric));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const headingId = editing ? `edit-metric-${metric.key}` : "new-metric-heading";

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setErrors({});
    setSaved(null);
    try {
      const res = await api<{ key: string; version: number }>(editing ? `/api/v1/metrics/${encodeURIComponent(metric.key)}` : "/api/v1/metrics", {
        method: editing ? "PATCH" : "POST",
        body: body(d, editing),
      });
      setSaved(`Saved ${res.key} as version ${res.version}`);
      if (!editing) setD(draftOf(undefined));
      router.refresh();
      onDone?.();
    } catch (err) {
      setErrors(err instanceof ApiError && err.fieldErrors.length ? errorsByPath(err.fieldErrors) : { "(root)": [(err as Error).message] });
    }
  }

  const known = new Set(["key", "label", "description", "kind", "direction", "unit", "percentile", "capping"]);
  const unclaimed = Object.entries(errors)
    .filter(([p]) => !known.has(p.split(".")[0]) && !p.startsWith("numerator") && !p.startsWith("denominator"))
    .flatMap(([p, ms]) => ms.map((m) => (p === "(root)" ? m : `${p}: ${m}`)));
  const capErrors = Object.entries(errors)
    .filter(([p]) => p === "capping" || p.startsWith("capping."))
    .flatMap(([, ms]) => ms);

  return (
    <form onSubmit={submit} className={`${cardClass} space-y-3`} aria-labelledby={headingId} noValidate data-testid={editing ? "metric-edit-form" : "metric-create-form"}>
      <h2 id={headingId} className="font-semibold">
        {editing ? `Edit ${metric.key} (now version ${metric.version})` : "Define a metric"}
      </h2>
      <div className="grid gap-3 md:grid-cols-3">
        {!editing && (
          <Field id="metric-key" label="Key" help="Experiments name the metric by it: lowercase, digits, '_'" errors={errors.key}>
            <input id="metric-key" value={d.key} onChange={(e) => set("key", e.target.value)} className={inputClass} placeholder="crash_rate" {...invalidProps("metric-key", errors.key)} />
          </Field>
        )}
        <Field id="metric-label" label="Label" errors={errors.label}>
          <input id="metric-label" value={d.label} onChange={(e) => set("label", e.target.value)} className={inputClass} {...invalidProps("metric-label", errors.label)} />
        </Field>
        <Field id="metric-kind" label="Kind" errors={errors.kind}>
          <select id="metric-kind" value={d.kind} onChange={(e) => set("kind", e.target.value as Draft["kind"])} className={inputClass}>
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </Field>
        <Field id="metric-direction" label="Direction" errors={errors.direction}>
          <select id="metric-direction" value={d.direction} onChange={(e) => set("direction", e.target.value as Draft["direction"])} className={inputClass}>
            <option value="higher_is_better">higher is better</option>
            <option value="lower_is_better">lower is better</option>
          </select>
        </Field>
        <Field id="metric-unit" label="Unit" errors={errors.unit}>
          <select id="metric-unit" value={d.unit} onChange={(e) => set("unit", e.target.value)} className={inputClass}>
            {UNITS.map((u) => (
              <option key={u} value={u}>
                {u || "none"}
              </option>
            ))}
          </select>
        </Field>
        {d.kind === "percentile" && (
          <Field id="metric-percentile" label="Percentile (0.5 … 0.99)" errors={errors.percentile}>
            <input
              id="metric-percentile"
              type="number"
              step="0.01"
              value={d.percentile}
              onChange={(e) => set("percentile", e.target.value)}
              className={inputClass}
              {...invalidProps("metric-percentile", errors.percentile)}
            />
          </Field>
        )}
        <Field id="metric-capping" label="Capping" help="Winsorize per-user values" errors={capErrors.length ? capErrors : undefined}>
          <div className="flex gap-2">
            <select id="metric-capping" value={d.capping} onChange={(e) => set("capping", e.target.value as Capping)} className={inputClass}>
              <option value="none">none</option>
              <option value="percentile">at a percentile</option>
              <option value="absolute">at a value</option>
            </select>
            {d.capping !== "none" && (
              <input
                aria-label="Cap"
                type="number"
                step="any"
                value={d.cap}
                onChange={(e) => set("cap", e.target.value)}
                className={inputClass}
                placeholder={d.capping === "percentile" ? "0.99" : "e.g. 5000"}
              />
            )}
          </div>
        </Field>
      </div>
      <Field id="metric-description" label="Description" errors={errors.description}>
        <textarea
          id="metric-description"
          value={d.description}
          onChange={(e) => set("description", e.target.value)}
          className={inputClass}
          rows={2}
          {...invalidProps("metric-description", errors.description)}
        />
      </Field>
      <SelectorFields prefix="numerator" label={d.kind === "ratio" ? "Numerator" : "Events"} value={d.numerator} onChange={(v) => set("numerator", v)} errors={errors} />
      {d.kind === "ratio" && <SelectorFields prefix="denominator" label="Denominator" value={d.denominator} onChange={(v) => set("denominator", v)} errors={errors} />}
      {errors.denominator && d.kind !== "ratio" && <FormError messages={errors.denominator.map((m) => `denominator ${m}`)} />}
      <FormError messages={unclaimed.length ? unclaimed : undefined} />
      <div className="flex items-center gap-3">
        <button type="submit" className={buttonClass.primary} disabled={!hydrated}>
          {editing ? "Save as a new version" : "Create metric"}
        </button>
        {editing && onDone && (
          <button type="button" className={buttonClass.secondary} onClick={onDone}>
            Cancel
          </button>
        )}
        {saved && (
          <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
            {saved}
          </p>
        )}
      </div>
    </form>
  );
}
