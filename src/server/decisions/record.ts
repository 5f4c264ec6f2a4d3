// The decisions table: every evaluation is stored with its inputs, parameters, code version and what
// decide() computed, so it can be shown in the feed and replayed.
import { and, desc, eq, gte } from "drizzle-orm";
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
  evaluatedAt: string;
  /** what the engine did about it: null = recommendation only */
  action: string | null;
  /** what started the evaluation (null: stored before triggers were recorded) */
  trigger: EvaluationTrigger | null;
  codeVersion: string;
  experimentVersion: number | null;
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
    action: row.action,
    trigger: row.trigger ?? null,
    codeVersion: row.codeVersion,
    experimentVersion: row.experimentVersion,
    winner: outputs.winner,
    tests: outputs.tests,
    ...(opts.full ? { inputs, parameters: row.parameters as DecisionParameters } : {}),
  };
}

export async function storeDecision(d: { inputs: DecisionInputs; parameters: DecisionParameters; decision: Decision; codeVersion: string; trigger: EvaluationTrigger }): Promise<Row> {
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
      codeVersion: d.codeVersion,
      trigger: d.trigger,
      evaluatedAt: new Date(d.inputs.evaluatedAt),
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
