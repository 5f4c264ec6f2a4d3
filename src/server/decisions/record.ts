// The decisions table: a row per decision reached, with the inputs, parameters, code version and what
// decide() computed, so it can be shown in the feed and replayed. An evaluation that reaches the same
// decision as the latest row (sameDecision) updates that row in place — fresh evidence and carried
// running minima, lastEvaluatedAt, evaluations + 1 — instead of adding an identical row per minute.
import { and, desc, eq, gte, sql } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/postgres";
import { decisions } from "@/db/schema";
import { slug } from "@/server/experiments/schemas";
import type { Decision, DecisionInputs, DecisionParameters, Reason, Recommendation, TestResult } from "./types";

type Row = typeof decisions.$inferSelect;

/** timer: the evaluator's pass; events: newly stored events of the experiment; manual: POST …/evaluate */
export type EvaluationTrigger = "timer" | "events" | "manual";

export interface DecisionOutputs {
  winner: string | null;
  tests: TestResult[];
  carry: Record<string, number>;
}

export interface DecisionView {
  id: string;
  experiment: string;
  recommendation: Recommendation;
  reasons: Reason[];
  /** the stage (percent exposure) at evaluation */
  stage: number | null;
  /** when this decision was first reached (the feed's order) */
  evaluatedAt: string;
  /** the latest evaluation that reached it again: inputs, reasons' evidence and tests are its own */
  lastEvaluatedAt: string;
  /** how many evaluations reached this decision (1 = only the one that recorded it) */
  evaluations: number;
  /** what the engine did about it: null = recommendation only */
  action: string | null;
  /** what started the evaluation (null: stored before triggers were recorded) */
  trigger: EvaluationTrigger | null;
  codeVersion: string;
  experimentVersion: number | null;
  /** the version of each stored metric definition the decision used; built-ins are not versioned and are left out */
  metricVersions: Record<string, number>;
  winner: string | null;
  tests: TestResult[];
  inputs?: DecisionInputs;
  parameters?: DecisionParameters;
}

export function toDecisionView(row: Row, opts: { full: boolean }): DecisionView {
  const outputs = (row.outputs as DecisionOutputs | null) ?? { winner: null, tests: [], carry: {} };
  const inputs = row.inputs as DecisionInputs;
  return {
    id: row.id,
    experiment: row.experimentKey,
    recommendation: row.recommendation,
    reasons: row.reasons as Reason[],
    stage: inputs?.experiment?.exposure ?? row.stage,
    evaluatedAt: row.evaluatedAt.toISOString(),
    lastEvaluatedAt: (row.lastEvaluatedAt ?? row.evaluatedAt).toISOString(),
    evaluations: row.evaluations,
    action: row.action,
    trigger: row.trigger ?? null,
    codeVersion: row.codeVersion,
    experimentVersion: row.experimentVersion,
    metricVersions: (row.metricVersions as Record<string, number> | null) ?? inputs?.metricVersions ?? {},
    winner: outputs.winner,
    tests: outputs.tests,
    ...(opts.full ? { inputs, parameters: row.parameters as DecisionParameters } : {}),
  };
}

/** The set of reasons that make a decision what it is: code, metric and variant (not the numbers). */
function reasonSet(reasons: Reason[]): string {
  return [...new Set(reasons.map((r) => `${r.code}|${r.metric ?? ""}|${r.variant ?? ""}`))].sort().join(",");
}

function versionSet(v: Record<string, number> | null | undefined): string {
  return Object.entries(v ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k}@${n}`)
    .join(",");
}

/**
 * Whether an evaluation reached the decision the row already records: same recommendation, winner,
 * stage, experiment version, versions of the stored metric definitions used and set of reasons (codes with their metric and variant). Evidence that
 * moves (a p-value, the minutes to go, users still needed) is not a change. A row whose action
 * succeeded is never reused (the audit entry points at it); one whose action was refused
 * ("not acted: …") is, by an evaluation that tries the same action again.
 */
export function sameDecision(row: Row, d: { decision: Decision; inputs: DecisionInputs }, wouldAct: boolean): boolean {
  if (row.action === null ? wouldAct : !(wouldAct && row.action.startsWith("not acted:"))) return false;
  const outputs = row.outputs as DecisionOutputs | null;
  return (
    row.recommendation === d.decision.recommendation &&
    (outputs?.winner ?? null) === d.decision.winner &&
    row.stage === Math.round(d.inputs.experiment.exposure) &&
    row.experimentVersion === d.inputs.experiment.version &&
    // a metric definition edited since: a new row, so each row keeps the versions it was reached with
    versionSet(row.metricVersions as Record<string, number> | null) === versionSet(d.inputs.metricVersions) &&
    reasonSet(row.reasons as Reason[]) === reasonSet(d.decision.reasons)
  );
}

type Stored = { inputs: DecisionInputs; parameters: DecisionParameters; decision: Decision; codeVersion: string; trigger: EvaluationTrigger };

/** The same decision again: the row takes this evaluation's evidence and counts it. */
export async function refreshDecision(id: string, d: Stored): Promise<Row> {
  const db = await getDb();
  const outputs: DecisionOutputs = { winner: d.decision.winner, tests: d.decision.tests, carry: d.decision.carry };
  const [row] = await db
    .update(decisions)
    .set({
      reasons: d.decision.reasons,
      inputs: d.inputs,
      parameters: d.parameters,
      outputs,
      metricVersions: d.inputs.metricVersions ?? null,
      codeVersion: d.codeVersion,
      lastEvaluatedAt: new Date(d.inputs.evaluatedAt),
      evaluations: sql`${decisions.evaluations} + 1`,
    })
    .where(eq(decisions.id, id))
    .returning();
  return row;
}

export async function storeDecision(d: Stored): Promise<Row> {
  const db = await getDb();
  const outputs: DecisionOutputs = { winner: d.decision.winner, tests: d.decision.tests, carry: d.decision.carry };
  const [row] = await db
    .insert(decisions)
    .values({
      experimentKey: d.inputs.experiment.key,
      recommendation: d.decision.recommendation,
      reasons: d.decision.reasons,
      stage: Math.round(d.inputs.experiment.exposure),
      inputs: d.inputs,
      parameters: d.parameters,
      outputs,
      experimentVersion: d.inputs.experiment.version,
      metricVersions: d.inputs.metricVersions ?? null,
      codeVersion: d.codeVersion,
      trigger: d.trigger,
      evaluatedAt: new Date(d.inputs.evaluatedAt),
      lastEvaluatedAt: new Date(d.inputs.evaluatedAt),
    })
    .returning();
  return row;
}

export async function setDecisionAction(id: string, action: string): Promise<void> {
  const db = await getDb();
  await db.update(decisions).set({ action }).where(eq(decisions.id, id));
}

export async function latestDecisionRow(key: string): Promise<Row | null> {
  const db = await getDb();
  const [row] = await db.select().from(decisions).where(eq(decisions.experimentKey, key)).orderBy(desc(decisions.evaluatedAt), desc(decisions.id)).limit(1);
  return row ?? null;
}

export async function getDecisionRow(id: string): Promise<Row | null> {
  const db = await getDb();
  const [row] = await db.select().from(decisions).where(eq(decisions.id, id)).limit(1);
  return row ?? null;
}

export const ListDecisionsQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  experiment: slug.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Decisions across experiments, newest first. */
export async function listDecisions(q: z.infer<typeof ListDecisionsQuery>): Promise<{ decisions: DecisionView[] }> {
  const db = await getDb();
  const where = [];
  if (q.since) where.push(gte(decisions.evaluatedAt, new Date(q.since)));
  if (q.experiment) where.push(eq(decisions.experimentKey, q.experiment));
  const rows = await db
    .select()
    .from(decisions)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(decisions.evaluatedAt))
    .limit(q.limit);
  return { decisions: rows.map((r) => toDecisionView(r, { full: false })) };
}
