"use client";
// Who is eligible: a flat list of attribute conditions combined with all / any. Nested rules that the
// builder cannot show are edited as JSON rather than silently flattened.
import { FieldErrors, invalidProps } from "./field";
import { CONDITION_OPS, type Condition, type FormState } from "./form-state";
import { buttonClass, inputClass } from "../ui/styles";

const OP_LABEL: Record<string, string> = {
  eq: "equals",
  neq: "does not equal",
  in: "is one of",
  not_in: "is none of",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  semver_eq: "version =",
  semver_gt: "version >",
  semver_gte: "version ≥",
  semver_lt: "version <",
  semver_lte: "version ≤",
  regex: "matches regex",
};

export function TargetingBuilder({ state, set, errors }: { state: FormState; set: (s: Partial<FormState>) => void; errors: Record<string, string[]> }) {
  const targetingErrors = Object.entries(errors)
    .filter(([p]) => p === "targeting" || p.startsWith("targeting."))
    .flatMap(([, m]) => m);
  if (state.targetingJson !== null) {
    return (
      <div>
        <label htmlFor="targeting-json" className="block text-sm font-medium">
          Targeting rule (JSON)
        </label>
        <textarea
          id="targeting-json"
          rows={6}
          value={state.targetingJson}
          onChange={(e) => set({ targetingJson: e.target.value })}
          className={`${inputClass} mt-1 font-mono`}
          {...invalidProps("targeting", targetingErrors)}
        />
        <FieldErrors id="targeting" messages={targetingErrors} />
      </div>
    );
  }
  const update = (i: number, patch: Partial<Condition>) => set({ conditions: state.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium">Targeting</legend>
      <p className="text-xs text-slate-500 dark:text-slate-400">Users who fail targeting see the control and are not counted. No condition: everyone is eligible.</p>
      {state.conditions.length > 1 && (
        <div className="flex items-center gap-2 text-sm">
          <label htmlFor="targeting-match">Users must match</label>
          <select id="targeting-match" value={state.match} onChange={(e) => set({ match: e.target.value as "all" | "any" })} className={`${inputClass} w-auto`}>
            <option value="all">all conditions</option>
            <option value="any">any condition</option>
          </select>
        </div>
      )}
      <ul className="space-y-2">
        {state.conditions.map((c, i) => (
          <li key={i} className="flex flex-wrap items-center gap-2" data-testid={`condition-${i}`}>
            <label className="sr-only" htmlFor={`cond-${i}-attr`}>
              Condition {i + 1} attribute
            </label>
            <input id={`cond-${i}-attr`} placeholder="attribute, e.g. region" value={c.attribute} onChange={(e) => update(i, { attribute: e.target.value })} className={`${inputClass} w-40`} />
            <label className="sr-only" htmlFor={`cond-${i}-op`}>
              Condition {i + 1} operator
            </label>
            <select id={`cond-${i}-op`} value={c.op} onChange={(e) => update(i, { op: e.target.value as Condition["op"] })} className={`${inputClass} w-40`}>
              {CONDITION_OPS.map((op) => (
                <option key={op} value={op}>
                  {OP_LABEL[op]}
                </option>
              ))}
            </select>
            <label className="sr-only" htmlFor={`cond-${i}-value`}>
              Condition {i + 1} value
            </label>
            <input
              id={`cond-${i}-value`}
              placeholder={c.op === "in" || c.op === "not_in" ? "eu, us" : "value"}
              value={c.value}
              onChange={(e) => update(i, { value: e.target.value })}
              className={`${inputClass} w-48`}
            />
            <button type="button" className={buttonClass.secondary} onClick={() => set({ conditions: state.conditions.filter((_, j) => j !== i) })} aria-label={`Remove condition ${i + 1}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className={buttonClass.secondary} onClick={() => set({ conditions: [...state.conditions, { attribute: "", op: "eq", value: "" }] })}>
        Add condition
      </button>
      <FieldErrors id="targeting" messages={targetingErrors} />
    </fieldset>
  );
}
