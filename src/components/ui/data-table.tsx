import { cardClass, tableClass } from "./styles";

/** A column header: its label, or the label with a right alignment (numbers) or read by screen readers only (actions). */
export type Column = string | { label: string; align?: "right"; srOnly?: boolean };

/** The dashboard's list tables: a card that scrolls sideways, header row, the page's own rows. */
export function DataTable({ testId, caption, columns, children }: { testId: string; caption?: string; columns: (Column | false)[]; children: React.ReactNode }) {
  return (
    <div className={`${cardClass} overflow-x-auto p-0`}>
      <table className={tableClass} data-testid={testId}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => {
              if (c === false) return null;
              const col = typeof c === "string" ? { label: c } : c;
              return (
                <th key={i} scope="col" className={col.align === "right" ? "text-right" : undefined}>
                  {col.srOnly ? <span className="sr-only">{col.label}</span> : col.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
