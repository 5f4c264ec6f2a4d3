"use client";
// Per-user admin actions on the users page: role, disable/enable, password reset. Each is one API
// call (PATCH /api/v1/users/{id}, POST /api/v1/users/{id}/password), audited on the server.
import { useRouter } from "next/navigation";
import { useId, useRef, useState } from "react";
import { ApiError, api } from "../api-client";
import { ConfirmAction } from "../ui/confirm-action";
import { buttonClass, dialogClass, inputClass } from "../ui/styles";
import { useHydrated } from "../ui/use-hydrated";

const ROLE_LABELS = { viewer: "viewer", release_manager: "release manager", admin: "admin" } as const;
type Role = keyof typeof ROLE_LABELS;

export function UserActions({ id, username, role, disabled }: { id: string; username: string; role: Role; disabled: boolean }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [error, setError] = useState<string | null>(null);

  async function patch(body: { role?: Role; disabled?: boolean }) {
    setError(null);
    try {
      await api(`/api/v1/users/${id}`, { method: "PATCH", body });
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <div className="flex flex-wrap items-center gap-2">
      <select aria-label={`Role of ${username}`} value={role} disabled={!hydrated} onChange={(e) => void patch({ role: e.target.value as Role })} className={`w-auto ${inputClass}`}>
        {Object.entries(ROLE_LABELS).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      {disabled ? (
        <ConfirmAction
          label="Enable"
          title={`Enable ${username}?`}
          description="They can sign in again."
          run={async () => {
            await api(`/api/v1/users/${id}`, { method: "PATCH", body: { disabled: false } });
            router.refresh();
          }}
        />
      ) : (
        <ConfirmAction
          label="Disable"
          tone="danger"
          title={`Disable ${username}?`}
          description="Their sessions end at once and they cannot sign in until enabled again."
          run={async () => {
            await api(`/api/v1/users/${id}`, { method: "PATCH", body: { disabled: true } });
            router.refresh();
          }}
        />
      )}
      <ResetPasswordButton id={id} username={username} />
      {error && (
        <p role="alert" className="w-full text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

function ResetPasswordButton({ id, username }: { id: string; username: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const hydrated = useHydrated();
  const fieldId = useId();
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ sessionsEnded: number }>(`/api/v1/users/${id}/password`, { method: "POST", body: { password } });
      setDone(`Password of ${username} reset; ${res.sessionsEnded} session(s) ended.`);
      dialog.current?.close();
    } catch (err) {
      setError(err instanceof ApiError && err.fieldErrors.length ? err.fieldErrors.map((f) => `${f.path}: ${f.message}`).join("; ") : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className={buttonClass.secondary}
        disabled={!hydrated}
        onClick={() => {
          setPassword("");
          setError(null);
          dialog.current?.showModal();
        }}
      >
        Reset password
      </button>
      {done && (
        <span role="status" className="text-sm text-green-700 dark:text-green-400">
          {done}
        </span>
      )}
      <dialog ref={dialog} aria-labelledby={`${fieldId}-title`} className={dialogClass}>
        <form onSubmit={submit} className="space-y-3 p-5">
          <h2 id={`${fieldId}-title`} className="text-lg font-semibold">
            Reset the password of {username}?
          </h2>
          <p className="text-sm text-slate-600 dark:text-slate-300">Their sessions end; tell them the new password another way.</p>
          <div>
            <label htmlFor={fieldId} className="block text-sm font-medium">
              New password
            </label>
            <p className="text-xs text-slate-500 dark:text-slate-400">8 characters to 72 bytes.</p>
            <input id={fieldId} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} className={`mt-1 ${inputClass}`} />
          </div>
          {error && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {error}
            </p>
          )}
          <div className="flex justify-end gap-2 pt-2">
            <button type="button" className={buttonClass.secondary} onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className={buttonClass.danger} disabled={busy || !password}>
              {busy ? "Working…" : "Reset password"}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
