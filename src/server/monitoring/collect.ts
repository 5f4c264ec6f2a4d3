// Fills the gauges of /api/metrics on each scrape from the stores and the in-process counters.
// Experiment values come from the latest stored decision of each experiment: a scrape never runs
// the statistics, so it stays cheap however often Prometheus asks.
import { count, ne, sql, sum } from "drizzle-orm";
import { getDb } from "@/db/postgres";
import { decisions, experiments, webhookDeliveries } from "@/db/schema";
import { evaluatorStatus } from "@/server/decisions/loop";
import { hotRouteRequests } from "@/server/http/hot-routes";
import { ingestCounters } from "@/server/ingestion/ingest";
import { ingestionPipeline } from "@/server/ingestion/pipeline";
import { decisionValues } from "./decision-values";
import { mirrorCounter, monitoring, type MonitoringMetrics } from "./registry";

const RECOMMENDATIONS = ["promote", "hold", "rollback"] as const;

async function collectIngestion(m: MonitoringMetrics): Promise<void> {
  const c = ingestCounters();
  mirrorCounter(m.ingestAccepted, c.accepted, "source");
  mirrorCounter(m.ingestRejected, c.rejected, "code");
  mirrorCounter(m.ingestRefused, c.refusedRequests, "code");
  mirrorCounter(m.directRequests, hotRouteRequests(), "route");
  const p = ingestionPipeline();
  const depth = p.spool.depth();
  m.storeInserted.reset();
  m.storeInserted.inc(p.stats.insertedRows);
  m.spoolEvents.set(depth.rows);
  m.spoolBytes.set(depth.bytes);
  m.spoolMaxBytes.set(p.maxSpoolBytes);
  mirrorCounter(m.deadLetters, { refused: p.stats.deadLetteredRows, corrupt: p.stats.corruptRecords }, "kind");
  m.deadLetterRows.set(await p.deadLetters.size());
}

async function collectExperiments(m: MonitoringMetrics): Promise<void> {
  const db = await getDb();
  const [exps, latest, runs, outbox] = await Promise.all([
    db.select().from(experiments).where(ne(experiments.status, "draft")),
    // latest decision per experiment (DISTINCT ON works on PGlite and Postgres alike)
    db
      .selectDistinctOn([decisions.experimentKey])
      .from(decisions)
      .orderBy(decisions.experimentKey, sql`${decisions.evaluatedAt} desc`),
    // every evaluation counts: a decision reached again refreshes its row (evaluations + 1)
    db
      .select({ recommendation: decisions.recommendation, n: sum(decisions.evaluations).mapWith(Number) })
      .from(decisions)
      .groupBy(decisions.recommendation),
    db.select({ status: webhookDeliveries.status, n: count() }).from(webhookDeliveries).groupBy(webhookDeliveries.status),
  ]);
  for (const g of [m.experimentInfo, m.exposure, m.recommendation, m.reason, m.evaluatedAt, m.exposures, m.metricValue, m.relativeChange, m.webhookDeliveries]) g.reset();
  mirrorCounter(m.decisions, Object.fromEntries(runs.map((r) => [r.recommendation, r.n])), "recommendation");
  const evaluator = evaluatorStatus();
  m.evaluatorRuns.reset();
  m.evaluatorRuns.inc(evaluator.runs);
  m.evaluatorFailures.set(evaluator.last?.failed.length ?? 0);
  for (const s of ["pending", "delivered", "failed"] as const) m.webhookDeliveries.set({ status: s }, outbox.find((o) => o.status === s)?.n ?? 0);

  const live = new Set<string>();
  for (const e of exps) {
    live.add(e.key);
    m.experimentInfo.set({ experiment: e.key, status: e.status, strategy: e.strategy, automation: e.automation }, 1);
    m.exposure.set({ experiment: e.key }, (e.state as { exposure: number }).exposure);
  }
  for (const d of latest) {
    if (!live.has(d.experimentKey)) continue;
    const experiment = d.experimentKey;
    for (const r of RECOMMENDATIONS) m.recommendation.set({ experiment, recommendation: r }, d.recommendation === r ? 1 : 0);
    m.evaluatedAt.set({ experiment }, (d.lastEvaluatedAt ?? d.evaluatedAt).getTime() / 1000);
    const values = decisionValues(d);
    for (const code of values.reasonCodes) m.reason.set({ experiment, code }, 1);
    for (const [variant, n] of Object.entries(values.exposures)) m.exposures.set({ experiment, variant }, n);
    for (const v of values.metrics) m.metricValue.set({ experiment, variant: v.variant, metric: v.metric, role: v.role }, v.value);
    for (const c of values.changes) m.relativeChange.set({ experiment, metric: c.metric, variant: c.variant, test: c.kind }, c.relativeChange);
  }
}

/** The exposition text and its content type. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  const m = monitoring();
  await collectIngestion(m);
  await collectExperiments(m);
  return { body: await m.registry.metrics(), contentType: m.registry.contentType };
}
