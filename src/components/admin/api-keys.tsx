"use client";
// API keys: create (the token is shown once, here, and never again), set an ingestion limit, revoke.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError, api, errorsByPath } from "../api-client";
import { Field } from "../experiment-form/field";
import { ConfirmAction } from "../ui/confirm-action";
import { buttonClass, cardClass, inputClass } from "../ui/styles";
import { useHydrated } from "../ui/use-hydrated";
import { FormError, RoleSelect } from "./form-parts";

export function NewKeyForm() {
  const router = useRouter();
  const hydrated = useHydrated();
  const [kind, setKind] = useState<"client" | "server">("client");
  const [token, setToken] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [copied, setCopied] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setErrors({});
    setToken(null);
    setCopied(false);
    try {
      const limit = String(data.get("rateLimit") ?? "").trim();
      const body = { name: data.get("name"), kind, ...(kind === "server" ? { role: data.get("role") } : {}), ...(limit ? { rateLimit: Number(limit) } : {}) };
      const created = await api<{ token: string }>("/api/v1/keys", { method: "POST", body });
      setToken(created.token);
      router.refresh();
    } catch (err) {
      setErrors(err instanceof ApiError && err.fieldErrors.length ? errorsByPath(err.fieldErrors) : { "(root)": [(err as Error).message] });
    }
  }

  return (
    <form onSubmit={submit} className={`${cardClass} space-y-3`} aria-labelledby="new-key-heading" noValidate>
      <h2 id="new-key-heading" className="font-semibold">
        Create a key
      </h2>
      <div className="grid gap-3 md:grid-cols-4">
        <Field id="key-name" label="Name" errors={errors.name}>
          <input id="key-name" name="name" className={inputClass} placeholder="e.g. web app" />
        </Field>
        <Field id="key-kind" label="Kind" help="Client keys are public: SDK config, assign, events. Server keys call the management API." errors={errors.kind}>
          <select id="key-kind" value={kind} onChange={(e) => setKind(e.target.value as "client" | "server")} className={inputClass}>
            <option value="client">client</option>
            <option value="server">server</option>
          </select>
        </Field>
        {kind === "server" && (
          <Field id="key-role" label="Role" errors={errors.role}>
            <RoleSelect id="key-role" className={inputClass} />
          </Field>
        )}
        <Field id="key-rate-limit" label="Rate limit (events/s)" help="Optional; empty: no per-key limit." errors={errors.rateLimit}>
          <input id="key-rate-limit" name="rateLimit" type="number" min={1} step={1} inputMode="numeric" className={inputClass} placeholder="none" />
        </Field>
      </div>
      <FormError messages={errors["(root)"]} />
      <button type="submit" className={buttonClass.primary} disabled={!hydrated}>
        Create key
      </button>
      {token && (
        <div role="status" className="rounded-md border border-amber-400 bg-amber-50 p-3 text-sm dark:bg-amber-950/40">
          <p className="font-medium">Copy this key now: it is shown only once.</p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code data-testid="new-key-token" className="break-all rounded bg-white px-2 py-1 font-mono text-xs dark:bg-slate-900">
              {token}
            </code>
            <button
              type="button"
              className={buttonClass.secondary}
              onClick={async () => {
                await navigator.clipboard?.writeText(token).catch(() => undefined);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        </div>
      )}
    </form>
  );
}

export function RevokeKeyButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  return (
    <ConfirmAction
      label="Revoke"
      title={`Revoke key “${name}”?`}
      description="Requests with this key are refused from now on. This cannot be undone."
      tone="danger"
      run={async () => {
        await api(`/api/v1/keys/${id}`, { method: "DELETE" });
        router.refresh();
      }}
    />
  );
}

/** The key's opt-in ingestion limit: shown, and set or cleared in place. */
export function KeyRateLimit({ id, name, rateLimit, editable }: { id: string; name: string; rateLimit: number | null; editable: boolean }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(rateLimit === null ? "" : String(rateLimit));
  const [error, setError] = useState<string | null>(null);
  const shown = rateLimit === null ? "none" : `${rateLimit.toLocaleString("en")}/s`;
  if (!editable || !editing) {
    return (
      <span className="inline-flex items-center gap-2">
        <span data-testid={`rate-limit-${name}`} className="tabular-nums">
          {shown}
        </span>
        {editable && (
          <button type="button" className={buttonClass.secondary} disabled={!hydrated} aria-label={`Edit rate limit of ${name}`} onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
      </span>
    );
  }
  async function save(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await api(`/api/v1/keys/${id}`, { method: "PATCH", body: { rateLimit: value.trim() ? Number(value) : null } });
      setEditing(false);
      router.refresh();
    } catch (err) {
      setError(err instanceof ApiError && err.fieldErrors.length ? err.fieldErrors.map((f) => f.message).join("; ") : (err as Error).message);
    }
  }
  return (
    <form onSubmit={save} className="inline-flex flex-wrap items-center gap-2">
      <input
        aria-label={`Rate limit of ${name} (events/s, empty for none)`}
        type="number"
        min={1}
        step={1}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        className={`w-28 ${inputClass}`}
        placeholder="none"
      />
      <button type="submit" className={buttonClass.primary}>
        Save
      </button>
      <button type="button" className={buttonClass.secondary} onClick={() => setEditing(false)}>
        Cancel
      </button>
      {error && (
        <span role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </span>
      )}
    </form>
  );
}
