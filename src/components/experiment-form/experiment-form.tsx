"use client";
// Create / edit an experiment. The browser checks what it can (weights, stages) and the server checks
// everything again; its validation details ({ path, message }) are shown next to the matching field.
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { ApiError, api, errorsByPath } from "../api-client";
import { buttonClass, cardClass, inputClass } from "../ui/styles";
import { useHydrated } from "../ui/use-hydrated";
import { Field, invalidProps } from "./field";
import { clientErrors, emptyForm, STRATEGY_INFO, toPayload, withStrategy, type FormState } from "./form-state";
import type { Strategy } from "@/sdk/types";
import { GuardrailsField } from "./guardrails-field";
import { RolloutFields } from "./rollout-fields";
import { TargetingBuilder } from "./targeting-builder";
import { VariantsField } from "./variants-field";

const PLACED = [
  /^key$/,
  /^name$/,
  /^hypothesis$/,
  /^variants/,
  /^control$/,
  /^treatment$/,
  /^rollout\./,
  /^targeting/,
  /^metrics\.(primary|guardrails|alpha)/,
  /^segments/,
  /^automation$/,
  /^rollbackPlan/,
];

/** `storedMetrics`: keys of the stored metric definitions (/api/v1/metrics), offered beside the built-ins; loaded by the page. */
export function ExperimentForm({ mode, initial, running, storedMetrics = [] }: { mode: "create" | "edit"; initial?: FormState; running?: boolean; storedMetrics?: string[] }) {
  const router = useRouter();
  const [state, setState] = useState<FormState>(initial ?? emptyForm());
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  const formRef = useRef<HTMLFormElement>(null);
  // bumped whenever errors are shown: the submit button is at the bottom, the problems may be far above
  const [shownErrors, setShownErrors] = useState(0);
  useEffect(() => {
    if (shownErrors === 0) return;
    const form = formRef.current;
    const first = form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>('[data-testid="form-summary"]');
    first?.scrollIntoView({ block: "center" });
    first?.focus({ preventScroll: true });
  }, [shownErrors]);
  const set = (patch: Partial<FormState>) => setState((s) => ({ ...s, ...patch }));

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const local = clientErrors(state);
    if (local.length) {
      setErrors(errorsByPath(local));
      setSummary(`Please fix ${local.length} problem${local.length > 1 ? "s" : ""} below.`);
      setShownErrors((n) => n + 1);
      return;
    }
    setBusy(true);
    setErrors({});
    setSummary(null);
    try {
      const body = toPayload(state, mode);
      const saved =
        mode === "create" ? await api<{ key: string }>("/api/v1/experiments", { method: "POST", body }) : await api<{ key: string }>(`/api/v1/experiments/${state.key}`, { method: "PATCH", body });
      router.push(`/experiments/${saved.key}`);
      router.refresh();
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length) {
        setErrors(errorsByPath(err.fieldErrors));
        const unplaced = err.fieldErrors.filter((f) => !PLACED.some((re) => re.test(f.path)));
        setSummary(`${err.message}${unplaced.length ? ` — ${unplaced.map((u) => `${u.path}: ${u.message}`).join("; ")}` : ""}`);
      } else if (err instanceof ApiError && err.code === "conflict" && mode === "create") {
        setErrors({ key: [err.message] });
        setSummary(err.message);
      } else {
        setSummary((err as Error).message);
      }
      setShownErrors((n) => n + 1);
      setBusy(false);
    }
  }

  const strategies = Object.keys(STRATEGY_INFO) as Strategy[];
  // "segments" (too many, not unique) or "segments.2" (one bad name)
  const segmentErrors = Object.entries(errors).flatMap(([k, v]) => (k === "segments" || k.startsWith("segments.") ? v : []));
  return (
    <form ref={formRef} onSubmit={submit} noValidate className="space-y-6" aria-label={mode === "create" ? "New experiment" : "Edit experiment"}>
      {summary && (
        <div
          role="alert"
          tabIndex={-1}
          data-testid="form-summary"
          className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/40 dark:text-red-300"
        >
          {summary}
        </div>
      )}
      <section className={`${cardClass} grid gap-4 md:grid-cols-2`}>
        <Field id="key" label="Key" help="Used by the SDK and the API; lowercase letters, digits, - and _." errors={errors.key}>
          <input
            id="key"
            value={state.key}
            disabled={mode === "edit"}
            onChange={(e) => set({ key: e.target.value })}
            className={`${inputClass} font-mono`}
            required
            {...invalidProps("key", errors.key)}
          />
        </Field>
        <Field id="name" label="Name" errors={errors.name}>
          <input id="name" value={state.name} onChange={(e) => set({ name: e.target.value })} className={inputClass} required {...invalidProps("name", errors.name)} />
        </Field>
        <div className="md:col-span-2">
          <Field id="hypothesis" label="Hypothesis" help="What you expect to change, and why." errors={errors.hypothesis}>
            <textarea id="hypothesis" rows={2} value={state.hypothesis} onChange={(e) => set({ hypothesis: e.target.value })} className={inputClass} />
          </Field>
        </div>
      </section>

      <section className={`${cardClass} space-y-4`}>
        <fieldset>
          <legend className="text-sm font-medium">Strategy</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-5">
            {strategies.map((s) => (
              <label
                key={s}
                className={`cursor-pointer rounded-md border p-2 text-sm has-[:checked]:border-sky-600 has-[:checked]:bg-sky-50 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-sky-600 dark:has-[:checked]:bg-sky-950 ${mode === "edit" ? "opacity-60" : ""} border-slate-300 dark:border-slate-700`}
              >
                <input
                  type="radio"
                  name="strategy"
                  value={s}
                  checked={state.strategy === s}
                  disabled={mode === "edit"}
                  onChange={() => setState((st) => ({ ...withStrategySafe(st, s) }))}
                  className="sr-only"
                />
                <span className="block font-medium">{STRATEGY_INFO[s].label}</span>
                <span className="block text-xs text-slate-500 dark:text-slate-400">{STRATEGY_INFO[s].help}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <VariantsField state={state} set={set} errors={errors} />
        <RolloutFields state={state} set={set} errors={errors} />
        {mode === "edit" && running && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={state.rerandomize} onChange={(e) => set({ rerandomize: e.target.checked })} />
            Re-randomise users (new salt): needed to change weights of a running experiment; recorded in the audit log
          </label>
        )}
      </section>

      <section className={`${cardClass} space-y-4`}>
        <TargetingBuilder state={state} set={set} errors={errors} />
      </section>

      <section className={`${cardClass} space-y-4`}>
        <div className="grid gap-4 md:grid-cols-3">
          <Field id="primary" label="Primary metric" errors={errors["metrics.primary"]}>
            <input
              id="primary"
              list="metric-options"
              value={state.primary}
              onChange={(e) => set({ primary: e.target.value })}
              className={`${inputClass} font-mono`}
              {...invalidProps("primary", errors["metrics.primary"])}
            />
          </Field>
          <Field id="alpha" label="Significance level (alpha)" errors={errors["metrics.alpha"]}>
            <input id="alpha" inputMode="decimal" value={state.alpha} onChange={(e) => set({ alpha: e.target.value })} className={inputClass} {...invalidProps("alpha", errors["metrics.alpha"])} />
          </Field>
          <label className="flex items-center gap-2 self-end pb-2 text-sm">
            <input type="checkbox" checked={state.safetyRollout} onChange={(e) => set({ safetyRollout: e.target.checked })} />
            Safety rollout (promote on &ldquo;no harm&rdquo;)
          </label>
        </div>
        <GuardrailsField state={state} set={set} errors={errors} storedMetrics={storedMetrics} />
        <Field
          id="segments"
          label="Segments"
          help="Up to 5 unit attributes (e.g. platform, region, appVersion), comma-separated: results are broken down by each unit's value at its first exposure, and a guardrail breach within one segment rolls back."
          errors={segmentErrors}
        >
          <input
            id="segments"
            value={state.segments}
            onChange={(e) => set({ segments: e.target.value })}
            placeholder="platform, region"
            className={`${inputClass} font-mono`}
            {...invalidProps("segments", segmentErrors)}
          />
        </Field>
      </section>

      <section className={`${cardClass} grid gap-4 md:grid-cols-2`}>
        <Field id="automation" label="Automation" help="Manual: recommend only. Auto-rollback: act on rollbacks. Auto: also advance stages." errors={errors.automation}>
          <select id="automation" value={state.automation} onChange={(e) => set({ automation: e.target.value as FormState["automation"] })} className={inputClass}>
            <option value="manual">manual</option>
            <option value="auto-rollback">auto-rollback (default)</option>
            <option value="auto">auto</option>
          </select>
        </Field>
        <div className="space-y-2">
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={state.databaseBackwardCompatible} onChange={(e) => set({ databaseBackwardCompatible: e.target.checked })} />
            Database changes are backward compatible (safe to roll back)
          </label>
          <Field id="rollbackNotes" label="Rollback plan notes" errors={errors["rollbackPlan.notes"]}>
            <textarea id="rollbackNotes" rows={2} value={state.rollbackNotes} onChange={(e) => set({ rollbackNotes: e.target.value })} className={inputClass} />
          </Field>
        </div>
      </section>

      <div className="flex gap-2">
        <button type="submit" className={buttonClass.primary} disabled={busy || !hydrated}>
          {busy ? "Saving…" : mode === "create" ? "Create experiment" : "Save changes"}
        </button>
        <button type="button" className={buttonClass.secondary} onClick={() => router.back()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function withStrategySafe(s: FormState, strategy: Strategy): FormState {
  return s.strategy === strategy ? s : withStrategy(s, strategy);
}
