"use client";

import { useState } from "react";
import { safeNextPath } from "@/server/auth/next-path";
import { useHydrated } from "./ui/use-hydrated";
import { buttonClass, inputClass } from "./ui/styles";

export function SignInForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The button stays disabled until hydration: a native submit before then would do nothing useful.
  const ready = useHydrated();

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const res = await fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
    }).catch(() => null);
    if (res?.ok) {
      // a full navigation, so every server component renders with the new session cookie
      // checked again here: whatever renders this form, the browser only ever goes to a same-origin path
      window.location.assign(safeNextPath(next));
      return;
    }
    setBusy(false);
    const body = await res?.json().catch(() => null);
    setError(body?.error?.message ?? (res ? `Sign-in failed (${res.status})` : "The server could not be reached"));
  }

  return (
    <form onSubmit={submit} method="post" className="space-y-4">
      <div>
        <label htmlFor="username" className="block text-sm font-medium">
          Username
        </label>
        <input id="username" name="username" autoComplete="username" required className={`mt-1 ${inputClass}`} />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className={`mt-1 ${inputClass}`} />
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || !ready} className={`w-full ${buttonClass.primary} py-2`}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
