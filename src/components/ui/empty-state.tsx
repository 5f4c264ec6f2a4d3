export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 p-6 text-sm dark:border-slate-700">
      <p className="font-medium">{title}</p>
      {children && <div className="mt-2 space-y-2 text-slate-600 dark:text-slate-400">{children}</div>}
    </div>
  );
}

export function CodeBlock({ children, label }: { children: string; label: string }) {
  return (
    <pre aria-label={label} tabIndex={0} className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs leading-relaxed text-slate-100 dark:bg-black">
      <code>{children}</code>
    </pre>
  );
}
