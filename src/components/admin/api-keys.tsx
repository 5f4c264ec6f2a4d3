"use client";
// API keys: create (the token is shown once, here, and never again) and revoke.
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
      const created = await api<{ token: string }>("/api/v1/keys", { method: "POST", body: { name: data.get("name"), kind, ...(kind === "server" ? { role: data.get("role") } : {}) } });
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
      <div className="grid gap-3 md:grid-cols-3">
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
