"use client";
// Release-manager controls: each action asks for confirmation (a reason where it matters), calls the
// API with the CSRF header, then re-renders the page so status, timeline and banner change at once.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "../api-client";
import { ConfirmAction } from "../ui/confirm-action";
import type { ActionSpec } from "./actions";

export function ExperimentControls({ actions }: { actions: ActionSpec[] }) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  if (actions.length === 0) return null;
  return (
    <div className="space-y-1">
      <div role="group" aria-label="Release actions" className="flex flex-wrap gap-2" data-testid="release-actions">
        {actions.map((a) => (
          <ConfirmAction
            key={a.id}
            label={a.label}
            title={a.title}
            description={a.description}
            tone={a.tone}
            reason={a.reason}
            confirmLabel={a.label}
            run={async (reason) => {
              setMessage(null);
              await api(a.path, { method: "POST", body: { ...a.body, ...(reason ? { reason } : {}) } });
              setMessage(a.done);
              router.refresh();
            }}
          />
        ))}
      </div>
      <p role="status" aria-live="polite" className="min-h-4 text-sm text-green-700 dark:text-green-400" data-testid="action-feedback">
        {message}
      </p>
    </div>
  );
}
