// A labelled form control with its validation messages right below it, linked by aria-describedby.
export function fieldErrorId(id: string) {
  return `${id}-error`;
}

export function FieldErrors({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <ul id={fieldErrorId(id)} data-testid={`error-${id}`} className="mt-1 space-y-0.5 text-xs text-red-700 dark:text-red-400">
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

export function Field({ id, label, help, errors, children }: { id: string; label: string; help?: React.ReactNode; errors?: string[]; children: React.ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {help && <p className="text-xs text-slate-500 dark:text-slate-400">{help}</p>}
      <div className="mt-1">{children}</div>
      <FieldErrors id={id} messages={errors} />
    </div>
  );
}

/** Props that mark a control invalid and point it at its messages. */
export function invalidProps(id: string, errors: string[] | undefined) {
  return errors?.length ? { "aria-invalid": true as const, "aria-describedby": fieldErrorId(id) } : {};
}
