// Pieces the admin forms share: the role picker and the alert for errors no field claims.
const ROLE_LABELS = { viewer: "viewer", release_manager: "release manager", admin: "admin" } as const;

export function RoleSelect({ id, className }: { id: string; className: string }) {
  return (
    <select id={id} name="role" className={className} defaultValue="viewer">
      {Object.entries(ROLE_LABELS).map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </select>
  );
}

export function FormError({ messages }: { messages: string[] | undefined }) {
  if (!messages) return null;
  return (
    <p role="alert" className="text-sm text-red-700 dark:text-red-400">
      {messages.join(" ")}
    </p>
  );
}
