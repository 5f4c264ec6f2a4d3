// Coloured pills for statuses, recommendations and warnings; the text always says what the colour means.
const TONES = {
  green: "bg-green-100 text-green-800 ring-green-600/30 dark:bg-green-950 dark:text-green-300",
  red: "bg-red-100 text-red-800 ring-red-600/30 dark:bg-red-950 dark:text-red-300",
  amber: "bg-amber-100 text-amber-900 ring-amber-600/30 dark:bg-amber-950 dark:text-amber-300",
  blue: "bg-sky-100 text-sky-800 ring-sky-600/30 dark:bg-sky-950 dark:text-sky-300",
  grey: "bg-slate-100 text-slate-700 ring-slate-500/30 dark:bg-slate-800 dark:text-slate-300",
} as const;

export type Tone = keyof typeof TONES;

export function Badge({ tone, children, title }: { tone: Tone; children: React.ReactNode; title?: string }) {
  return (
    <span title={title} className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}>
      {children}
    </span>
  );
}

const STATUS_TONE: Record<string, Tone> = { draft: "grey", running: "blue", paused: "amber", promoted: "green", completed: "green", rolled_back: "red" };

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONE[status] ?? "grey"}>{status.replace("_", " ")}</Badge>;
}

const RECOMMENDATION_TONE: Record<string, Tone> = { promote: "green", hold: "amber", rollback: "red" };

export function RecommendationBadge({ recommendation }: { recommendation: string | null | undefined }) {
  if (!recommendation) return <Badge tone="grey">not evaluated</Badge>;
  return <Badge tone={RECOMMENDATION_TONE[recommendation] ?? "grey"}>{recommendation.toUpperCase()}</Badge>;
}
