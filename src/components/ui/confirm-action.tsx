"use client";
// A button that opens a modal confirmation (native <dialog>: focus trap and Escape for free), optionally
// asks for a reason, runs the action and reports the outcome right next to the button.
import { useId, useRef, useState } from "react";
import { buttonClass, dialogClass, inputClass } from "./styles";
import { useHydrated } from "./use-hydrated";

export interface ConfirmActionProps {
  label: string;
  title: string;
  description: React.ReactNode;
  confirmLabel?: string;
  tone?: keyof typeof buttonClass;
  /** "required": the confirm button stays disabled until a reason is typed */
  reason?: "none" | "optional" | "required";
  run: (reason: string) => Promise<string | void>;
}

export function ConfirmAction({ label, title, description, confirmLabel, tone = "secondary", reason = "none", run }: ConfirmActionProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const hydrated = useHydrated();
  const id = useId();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function open() {
    setText("");
    setError(null);
    dialog.current?.showModal();
  }

  async function confirm(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run(text.trim());
      dialog.current?.close();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className={buttonClass[tone]} onClick={open} disabled={!hydrated}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-title`} className={dialogClass}>
        <form onSubmit={confirm} className="space-y-3 p-5">
          <h2 id={`${id}-title`} className="text-lg font-semibold">
            {title}
          </h2>
          <div className="text-sm text-slate-600 dark:text-slate-300">{description}</div>
          {reason !== "none" && (
            <div>
              <label htmlFor={`${id}-reason`} className="block text-sm font-medium">
                Reason{reason === "required" ? "" : " (optional)"}
              </label>
              <textarea id={`${id}-reason`} value={text} onChange={(e) => setText(e.target.value)} required={reason === "required"} rows={3} className={`mt-1 ${inputClass}`} />
            </div>
          )}
          {error && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {error}
            </p>
          )}
          <div className="flex justify-end gap-2 pt-2">
            <button type="button" className={buttonClass.secondary} onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className={buttonClass[tone === "secondary" ? "primary" : tone]} disabled={busy || (reason === "required" && !text.trim())}>
              {busy ? "Working…" : (confirmLabel ?? label)}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
