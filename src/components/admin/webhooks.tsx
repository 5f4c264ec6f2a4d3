"use client";
// Webhook subscriptions (admin): create, with the signing secret shown once, and delete.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError, api, errorsByPath } from "../api-client";
import { Field, FieldErrors, invalidProps } from "../experiment-form/field";
import { ConfirmAction } from "../ui/confirm-action";
import { buttonClass, cardClass, inputClass } from "../ui/styles";
import { useHydrated } from "../ui/use-hydrated";
import { FormError } from "./form-parts";

const EVENTS = ["decision.changed", "experiment.promoted", "experiment.rolled_back", "guardrail.breached", "srm.detected"];

export function NewWebhookForm() {
  const router = useRouter();
  const hydrated = useHydrated();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [secret, setSecret] = useState<string | null>(null);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setErrors({});
    setSecret(null);
    try {
      const created = await api<{ secret: string }>("/api/v1/webhooks", {
        method: "POST",
        body: { url: data.get("url"), experimentKey: String(data.get("experimentKey") ?? "").trim() || null, events: data.getAll("events") },
      });
      setSecret(created.secret);
      router.refresh();
    } catch (err) {
      setErrors(err instanceof ApiError && err.fieldErrors.length ? errorsByPath(err.fieldErrors) : { "(root)": [(err as Error).message] });
    }
  }

  return (
    <form onSubmit={submit} className={`${cardClass} space-y-3`} aria-labelledby="new-webhook-heading" noValidate>
      <h2 id="new-webhook-heading" className="font-semibold">
        Add a subscriber
      </h2>
      <div className="grid gap-3 md:grid-cols-2">
        <Field
          id="webhook-url"
          label="URL"
          help="Slack-compatible incoming webhooks show the text field. Loopback, private and link-local addresses are refused unless listed in VERDICT_WEBHOOK_ALLOWED_HOSTS."
          errors={errors.url}
        >
          <input id="webhook-url" name="url" type="url" placeholder="https://hooks.example.com/verdict" className={inputClass} {...invalidProps("webhook-url", errors.url)} />
        </Field>
        <Field id="webhook-experiment" label="Experiment key" help="Empty: every experiment." errors={errors.experimentKey}>
          <input id="webhook-experiment" name="experimentKey" className={`${inputClass} font-mono`} {...invalidProps("webhook-experiment", errors.experimentKey)} />
        </Field>
      </div>
      <fieldset>
        <legend className="text-sm font-medium">Events</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-sm">
          {EVENTS.map((ev) => (
            <label key={ev} className="flex items-center gap-1.5">
              <input type="checkbox" name="events" value={ev} defaultChecked />
              <code>{ev}</code>
            </label>
          ))}
        </div>
        <FieldErrors
          id="webhook-events"
          messages={Object.entries(errors)
            .filter(([p]) => p.startsWith("events"))
            .flatMap(([, m]) => m)}
        />
      </fieldset>
      <FormError messages={errors["(root)"]} />
      <button type="submit" className={buttonClass.primary} disabled={!hydrated}>
        Add subscriber
      </button>
      {secret && (
        <div role="status" className="rounded-md border border-amber-400 bg-amber-50 p-3 text-sm dark:bg-amber-950/40">
          <p className="font-medium">Signing secret (shown once): verify X-Verdict-Signature with it.</p>
          <code className="mt-1 block break-all font-mono text-xs" data-testid="webhook-secret">
            {secret}
          </code>
        </div>
      )}
    </form>
  );
}

export function DeleteWebhookButton({ id }: { id: string }) {
  const router = useRouter();
  return (
    <ConfirmAction
      label="Delete"
      title="Delete this subscriber?"
      description="No further deliveries are made; the delivery log is deleted with it."
      tone="danger"
      run={async () => {
        await api(`/api/v1/webhooks/${id}`, { method: "DELETE" });
        router.refresh();
      }}
    />
  );
}
