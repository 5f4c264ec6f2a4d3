"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError, api, errorsByPath } from "../api-client";
import { Field, invalidProps } from "../experiment-form/field";
import { buttonClass, cardClass, inputClass } from "../ui/styles";
import { useHydrated } from "../ui/use-hydrated";
import { FormError, RoleSelect } from "./form-parts";

export function UserForm() {
  const router = useRouter();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setBusy(true);
    setErrors({});
    setDone(null);
    try {
      await api("/api/v1/users", { method: "POST", body: { username: data.get("username"), password: data.get("password"), role: data.get("role") } });
      setDone(`User ${data.get("username")} created.`);
      form.reset();
      router.refresh();
    } catch (err) {
      setErrors(err instanceof ApiError && err.fieldErrors.length ? errorsByPath(err.fieldErrors) : { "(root)": [(err as Error).message] });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className={`${cardClass} space-y-3`} aria-labelledby="new-user-heading" noValidate>
      <h2 id="new-user-heading" className="font-semibold">
        Add a user
      </h2>
      <div className="grid gap-3 md:grid-cols-3">
        <Field id="new-username" label="Username" errors={errors.username}>
          <input id="new-username" name="username" className={inputClass} autoComplete="off" {...invalidProps("new-username", errors.username)} />
        </Field>
        <Field id="new-password" label="Password" help="8 characters to 72 bytes." errors={errors.password}>
          <input id="new-password" name="password" type="password" autoComplete="new-password" className={inputClass} {...invalidProps("new-password", errors.password)} />
        </Field>
        <Field id="new-role" label="Role" errors={errors.role}>
          <RoleSelect id="new-role" className={inputClass} />
        </Field>
      </div>
      <FormError messages={errors["(root)"]} />
      <p role="status" className="text-sm text-green-700 dark:text-green-400">
        {done}
      </p>
      <button type="submit" className={buttonClass.primary} disabled={busy || !hydrated}>
        {busy ? "Adding…" : "Add user"}
      </button>
    </form>
  );
}
