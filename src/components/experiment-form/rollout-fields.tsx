"use client";
// The rollout settings that belong to the chosen strategy.
import { Field, FieldErrors, invalidProps } from "./field";
import type { FormState, ToggleGroup } from "./form-state";
import { buttonClass, inputClass } from "../ui/styles";

type Props = { state: FormState; set: (s: Partial<FormState>) => void; errors: Record<string, string[]> };

export function RolloutFields({ state, set, errors }: Props) {
  const e = (p: string) => errors[`rollout.${p}`];
  return (
    <div className="grid gap-4 md:grid-cols-3">
      {state.strategy === "canary" && (
        <Field id="stages" label="Canary stages (% of users)" help="Comma-separated, increasing, ending at 100." errors={e("stages")}>
          <input id="stages" value={state.stages} onChange={(ev) => set({ stages: ev.target.value })} className={inputClass} {...invalidProps("stages", e("stages"))} />
        </Field>
      )}
      {state.strategy === "ab" && (
        <Field id="coverage" label="Coverage (% of eligible traffic)" errors={e("coverage")}>
          <input id="coverage" inputMode="decimal" value={state.coverage} onChange={(ev) => set({ coverage: ev.target.value })} className={inputClass} {...invalidProps("coverage", e("coverage"))} />
        </Field>
      )}
      {state.strategy === "rolling" && (
        <Field id="batchSize" label="Batch size (% of instances)" errors={e("batchSize")}>
          <input
            id="batchSize"
            inputMode="decimal"
            value={state.batchSize}
            onChange={(ev) => set({ batchSize: ev.target.value })}
            className={inputClass}
            {...invalidProps("batchSize", e("batchSize"))}
          />
        </Field>
      )}
      {state.strategy === "blue_green" && (
        <Field id="initialLive" label="Live environment at start" errors={e("initialLive")}>
          <select id="initialLive" value={state.initialLive} onChange={(ev) => set({ initialLive: ev.target.value })} className={inputClass}>
            {state.variants.map((v) => (
              <option key={v.key} value={v.key}>
                {v.key}
              </option>
            ))}
          </select>
        </Field>
      )}
      {state.strategy === "blue_green" && (
        <>
          <Field id="verificationShare" label="Verification share (% of users on the idle side before the switch; empty: 5 without targeting)" errors={e("verificationShare")}>
            <input
              id="verificationShare"
              inputMode="decimal"
              value={state.verificationShare}
              onChange={(ev) => set({ verificationShare: ev.target.value })}
              className={inputClass}
              {...invalidProps("verificationShare", e("verificationShare"))}
            />
          </Field>
          <Field id="bakeMinutes" label="Bake after the switch (minutes, previous side kept ready)" errors={e("bakeMinutes")}>
            <input
              id="bakeMinutes"
              inputMode="decimal"
              value={state.bakeMinutes}
              onChange={(ev) => set({ bakeMinutes: ev.target.value })}
              className={inputClass}
              {...invalidProps("bakeMinutes", e("bakeMinutes"))}
            />
          </Field>
        </>
      )}
      {state.strategy === "toggle" && (
        <Field id="holdback" label="Holdback (% of each group kept on the old behaviour, the comparison)" errors={e("holdback")}>
          <input id="holdback" inputMode="decimal" value={state.holdback} onChange={(ev) => set({ holdback: ev.target.value })} className={inputClass} {...invalidProps("holdback", e("holdback"))} />
        </Field>
      )}
      <Field id="minExposuresPerArm" label="Minimum exposures per arm per stage" errors={e("minExposuresPerArm")}>
        <input
          id="minExposuresPerArm"
          inputMode="numeric"
          value={state.minExposuresPerArm}
          onChange={(ev) => set({ minExposuresPerArm: ev.target.value })}
          className={inputClass}
          {...invalidProps("minExposuresPerArm", e("minExposuresPerArm"))}
        />
      </Field>
      <Field id="minDurationMinutes" label="Minimum stage duration (minutes)" errors={e("minDurationMinutes")}>
        <input
          id="minDurationMinutes"
          inputMode="decimal"
          value={state.minDurationMinutes}
          onChange={(ev) => set({ minDurationMinutes: ev.target.value })}
          className={inputClass}
          {...invalidProps("minDurationMinutes", e("minDurationMinutes"))}
        />
      </Field>
      {state.strategy === "toggle" && <ToggleGroups state={state} set={set} errors={errors} />}
    </div>
  );
}

function ToggleGroups({ state, set, errors }: Props) {
  const update = (i: number, patch: Partial<ToggleGroup>) => set({ groups: state.groups.map((g, j) => (j === i ? { ...g, ...patch } : g)) });
  const groupErrors = Object.entries(errors)
    .filter(([p]) => p.startsWith("rollout.groups"))
    .flatMap(([p, m]) => m.map((x) => `${p.replace("rollout.groups.", "group ")}: ${x}`));
  return (
    <fieldset className="space-y-2 md:col-span-3">
      <legend className="text-sm font-medium">Targeting groups, widened one at a time</legend>
      <p className="text-xs text-slate-500 dark:text-slate-400">Each group: users whose attribute is one of the values (empty attribute: everyone), and the share of them who get the feature.</p>
      {state.groups.map((g, i) => (
        <div key={i} className="flex flex-wrap items-center gap-2">
          {(["name", "attribute", "values", "percentage"] as const).map((f) => (
            <span key={f}>
              <label htmlFor={`group-${i}-${f}`} className="sr-only">
                Group {i + 1} {f}
              </label>
              <input
                id={`group-${i}-${f}`}
                placeholder={f === "values" ? "admin, beta" : f}
                value={g[f]}
                onChange={(ev) => update(i, { [f]: ev.target.value })}
                className={`${inputClass} ${f === "percentage" ? "w-20" : "w-36"}`}
              />
            </span>
          ))}
          <span className="text-xs text-slate-500">%</span>
          <button type="button" className={buttonClass.secondary} onClick={() => set({ groups: state.groups.filter((_, j) => j !== i) })} aria-label={`Remove group ${g.name || i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className={buttonClass.secondary} onClick={() => set({ groups: [...state.groups, { name: "", attribute: "", values: "", percentage: "100" }] })}>
        Add group
      </button>
      <FieldErrors id="groups" messages={groupErrors} />
    </fieldset>
  );
}
