"use client";
import { FieldErrors, invalidProps } from "./field";
import type { FormState } from "./form-state";
import { buttonClass, inputClass } from "../ui/styles";

type Errors = Record<string, string[]>;

export function VariantsField({ state, set, errors }: { state: FormState; set: (s: Partial<FormState>) => void; errors: Errors }) {
  const total = state.variants.reduce((sum, v) => sum + (Number(v.weight) || 0), 0);
  const ok = Math.abs(total - 1) < 1e-6;
  const fixedCount = state.strategy !== "ab";
  const own = [...(errors.variants ?? []), ...(errors.control ?? []), ...(errors.treatment ?? [])];
  const update = (i: number, patch: Partial<FormState["variants"][number]>) => set({ variants: state.variants.map((v, j) => (j === i ? { ...v, ...patch } : v)) });

  return (
    <fieldset className="space-y-2" aria-describedby={own.length ? "variants-error" : undefined}>
      <legend className="text-sm font-medium">{state.strategy === "blue_green" ? "Environments" : "Variants"}</legend>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        The first is the control{state.strategy === "blue_green" ? " (live at start unless chosen below)" : ""}. Weights are shares of the analysed units and must sum to 1.
      </p>
      <table className="text-sm">
        <thead>
          <tr className="text-left text-xs text-slate-500">
            <th className="pr-2 font-medium">Key</th>
            <th className="pr-2 font-medium">Weight</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {state.variants.map((v, i) => {
            const keyId = `variants-${i}-key`;
            const weightId = `variants-${i}-weight`;
            const keyErr = errors[`variants.${i}.key`];
            const weightErr = errors[`variants.${i}.weight`];
            return (
              <tr key={i}>
                <td className="pr-2 align-top">
                  <label htmlFor={keyId} className="sr-only">
                    Variant {i + 1} key
                  </label>
                  <input id={keyId} value={v.key} onChange={(e) => update(i, { key: e.target.value })} className={`${inputClass} w-40 font-mono`} {...invalidProps(keyId, keyErr)} />
                  <FieldErrors id={keyId} messages={keyErr} />
                </td>
                <td className="pr-2 align-top">
                  <label htmlFor={weightId} className="sr-only">
                    Variant {i + 1} weight
                  </label>
                  <input
                    id={weightId}
                    type="number"
                    step="0.01"
                    min="0"
                    max="1"
                    value={v.weight}
                    onChange={(e) => update(i, { weight: e.target.value })}
                    className={`${inputClass} w-24`}
                    {...invalidProps(weightId, weightErr)}
                  />
                  <FieldErrors id={weightId} messages={weightErr} />
                </td>
                <td className="align-top">
                  {!fixedCount && state.variants.length > 2 && (
                    <button type="button" className={buttonClass.secondary} onClick={() => set({ variants: state.variants.filter((_, j) => j !== i) })} aria-label={`Remove variant ${v.key || i + 1}`}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="flex items-center gap-3 text-xs">
        <span aria-live="polite" className={ok ? "text-green-700 dark:text-green-400" : "font-medium text-red-700 dark:text-red-400"}>
          Sum of weights: {Math.round(total * 1e4) / 1e4} {ok ? "✓" : "(must be 1)"}
        </span>
        {!fixedCount && state.variants.length < 10 && (
          <button type="button" className={buttonClass.secondary} onClick={() => set({ variants: [...state.variants, { key: `variant_${state.variants.length}`, weight: "0" }] })}>
            Add variant
          </button>
        )}
      </div>
      <FieldErrors id="variants" messages={own} />
    </fieldset>
  );
}
