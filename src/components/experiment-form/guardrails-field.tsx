"use client";
import { FieldErrors, invalidProps } from "./field";
import { METRIC_OPTIONS, type FormState, type GuardrailRow } from "./form-state";
import { buttonClass, inputClass } from "../ui/styles";

/** The defaults a guardrail row falls back to, e.g. "tolerance 0.1 pt, margin 0.2 pt" (pt: absolute). */
const DEFAULTS: Record<string, string> = Object.fromEntries(
  METRIC_OPTIONS.flatMap(({ name, guardrail: d }) => {
    const pt = d?.toleranceType === "absolute" ? " pt" : "";
    return d ? [[name, `tolerance ${d.tolerance}${pt}, margin ${d.promotionMargin}${pt}`]] : [];
  }),
);

export function GuardrailsField({ state, set, errors, storedMetrics }: { state: FormState; set: (s: Partial<FormState>) => void; errors: Record<string, string[]>; storedMetrics: string[] }) {
  const update = (i: number, patch: Partial<GuardrailRow>) => set({ guardrails: state.guardrails.map((g, j) => (j === i ? { ...g, ...patch } : g)) });
  const cell = (i: number, field: keyof GuardrailRow, label: string, g: GuardrailRow) => {
    const id = `guardrails-${i}-${field}`;
    const errs = errors[`metrics.guardrails.${i}.${field}`];
    return (
      <td className="pr-2 align-top">
        <label htmlFor={id} className="sr-only">
          {label} for guardrail {i + 1}
        </label>
        <input
          id={id}
          value={g[field]}
          list={field === "metric" ? "metric-options" : undefined}
          inputMode={field === "metric" ? undefined : "decimal"}
          placeholder={field === "metric" ? "metric" : "default"}
          onChange={(e) => update(i, { [field]: e.target.value })}
          className={`${inputClass} ${field === "metric" ? "w-40 font-mono" : "w-24"}`}
          {...invalidProps(id, errs)}
        />
        <FieldErrors id={id} messages={errs} />
      </td>
    );
  };
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium">Guardrails</legend>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Harm tolerated before a rollback (relative to control: 0.05 = +5 %), the harm a promotion must rule out, and an optional absolute limit on the treatment (e.g. error rate 0.02). Empty: the
        default.
      </p>
      <datalist id="metric-options">
        {METRIC_OPTIONS.map(({ name }) => (
          <option key={name} value={name} />
        ))}
        {storedMetrics.map((name) => (
          <option key={name} value={name} label={`${name} (defined metric)`} />
        ))}
      </datalist>
      <div className="overflow-x-auto">
        <table className="text-sm">
          <thead>
            <tr className="text-left text-xs text-slate-500">
              <th className="pr-2 font-medium">Metric</th>
              <th className="pr-2 font-medium">Tolerance</th>
              <th className="pr-2 font-medium">Promotion margin</th>
              <th className="pr-2 font-medium">Absolute limit</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {state.guardrails.map((g, i) => (
              <tr key={i}>
                {cell(i, "metric", "Metric", g)}
                {cell(i, "tolerance", "Tolerance", g)}
                {cell(i, "promotionMargin", "Promotion margin", g)}
                {cell(i, "limit", "Absolute limit", g)}
                <td className="align-top">
                  <span className="mr-2 hidden text-xs text-slate-500 lg:inline">{DEFAULTS[g.metric] ?? ""}</span>
                  <button
                    type="button"
                    className={buttonClass.secondary}
                    onClick={() => set({ guardrails: state.guardrails.filter((_, j) => j !== i) })}
                    aria-label={`Remove guardrail ${g.metric || i + 1}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" className={buttonClass.secondary} onClick={() => set({ guardrails: [...state.guardrails, { metric: "", tolerance: "", promotionMargin: "", limit: "" }] })}>
        Add guardrail
      </button>
      <FieldErrors id="guardrails" messages={errors["metrics.guardrails"]} />
    </fieldset>
  );
}
