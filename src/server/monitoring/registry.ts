// The Prometheus registry of /api/metrics and every metric it exposes. One registry per process
// (held on globalThis: the bundler may load this module once for instrumentation and once for routes,
// and the ClickHouse timing hook must feed the same histogram the route renders).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { observeEventStoreTiming } from "@/db/clickhouse/client";
import { observeStoredToDecision } from "@/server/decisions/latency";
import { processSingleton } from "@/core/process-singleton";

function build() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "verdict_" });
  const r = [registry];
  const m = {
    registry,
    ingestAccepted: new Counter({
      name: "verdict_ingest_events_accepted_total",
      help: "Events accepted since start, by source (api: POST /api/v1/events; server: exposures logged by /assign)",
      labelNames: ["source"],
      registers: r,
    }),
    ingestRejected: new Counter({ name: "verdict_ingest_events_rejected_total", help: "Events rejected by validation since start, by reason code", labelNames: ["code"], registers: r }),
    ingestRefused: new Counter({
      name: "verdict_ingest_requests_refused_total",
      help: "Ingestion requests refused whole (rate_limited, spool_full, ...) since start",
      labelNames: ["code"],
      registers: r,
    }),
    directRequests: new Counter({
      name: "verdict_http_direct_requests_total",
      help: "Requests the production server handed straight to their route handler, bypassing Next.js's pipeline (src/server/http/hot-routes.ts)",
      labelNames: ["route"],
      registers: r,
    }),
    storeInserted: new Counter({ name: "verdict_ingest_events_inserted_total", help: "Events inserted into ClickHouse since start", registers: r }),
    deadLetters: new Counter({
      name: "verdict_ingest_dead_letters_total",
      help: "Entries moved to the spool's dead-letter file since start, by kind (refused: rows the event store refused for their content; corrupt: spool ranges that failed their checksum)",
      labelNames: ["kind"],
      registers: r,
    }),
    deadLetterRows: new Gauge({ name: "verdict_ingest_dead_letter_entries", help: "Entries in the spool's dead-letter file now (health is degraded while > 0)", registers: r }),
    spoolEvents: new Gauge({ name: "verdict_ingest_spool_events", help: "Events in the local spool not yet in ClickHouse", registers: r }),
    spoolBytes: new Gauge({ name: "verdict_ingest_spool_bytes", help: "Bytes in the local spool", registers: r }),
    spoolMaxBytes: new Gauge({ name: "verdict_ingest_spool_max_bytes", help: "Spool capacity (VERDICT_SPOOL_MAX_BYTES); ingestion answers 503 beyond it", registers: r }),
    chLatency: new Histogram({
      name: "verdict_clickhouse_duration_seconds",
      help: "ClickHouse query, command and insert latency (through src/db/clickhouse/client.ts)",
      labelNames: ["operation", "outcome"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    resultsSummaries: new Counter({
      name: "verdict_results_summaries_total",
      help: "Per-variant summaries served since start, by source: stored (reused at an unchanged rollup watermark), rollup (aggregated from the per-user rollup), events (one pass over the raw events)",
      labelNames: ["source"],
      registers: r,
    }),
    rollupRefreshes: new Counter({
      name: "verdict_results_rollup_refreshes_total",
      help: "Refreshes of the per-user results rollup since start, by kind (none: no event stored since the watermark)",
      labelNames: ["kind"],
      registers: r,
    }),
    evaluatorRuns: new Counter({ name: "verdict_evaluator_runs_total", help: "Passes of the background evaluator over every running experiment since start", registers: r }),
    storedToDecision: new Histogram({
      name: "verdict_evaluator_stored_to_decision_seconds",
      help: "From events being stored to the decision of the evaluation that saw them (time to safety on this instance; the bound is 2 s)",
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 120],
      registers: r,
    }),
    evaluatorFailures: new Gauge({ name: "verdict_evaluator_last_run_failures", help: "Experiments whose evaluation failed in the evaluator's latest pass", registers: r }),
    decisions: new Counter({ name: "verdict_decisions_total", help: "Evaluations (evaluator and on-demand), by the recommendation they reached", labelNames: ["recommendation"], registers: r }),
    experimentInfo: new Gauge({
      name: "verdict_experiment_info",
      help: "1 per experiment that is not a draft, with its status and strategy",
      labelNames: ["experiment", "status", "strategy", "automation"],
      registers: r,
    }),
    exposure: new Gauge({
      name: "verdict_experiment_exposure_percent",
      help: "Current stage: share of units in the rollout (canary stage, rolling share, toggle percentage)",
      labelNames: ["experiment"],
      registers: r,
    }),
    recommendation: new Gauge({
      name: "verdict_experiment_recommendation",
      help: 'Latest decision per experiment: 1 for the current recommendation, 0 for the others (alert on recommendation="rollback" == 1)',
      labelNames: ["experiment", "recommendation"],
      registers: r,
    }),
    reason: new Gauge({ name: "verdict_experiment_reason", help: "Reason codes of the latest decision (1 each)", labelNames: ["experiment", "code"], registers: r }),
    evaluatedAt: new Gauge({
      name: "verdict_experiment_last_evaluated_timestamp_seconds",
      help: "When the experiment was last evaluated (its latest decision reached again or changed)",
      labelNames: ["experiment"],
      registers: r,
    }),
    exposures: new Gauge({ name: "verdict_experiment_exposures", help: "Exposed units per variant in the latest decision's inputs", labelNames: ["experiment", "variant"], registers: r }),
    metricValue: new Gauge({
      name: "verdict_experiment_metric_value",
      help: "Values per experiment, variant and metric from the latest decision's inputs: guardrails (error_rate as a share, page_load_time and page_load_p95 in ms, feedback_score 1-5) and the A/B primary",
      labelNames: ["experiment", "variant", "metric", "role"],
      registers: r,
    }),
    relativeChange: new Gauge({
      name: "verdict_experiment_metric_relative_change",
      help: "Relative change of a variant against the baseline per guardrail (test=harm) or A/B primary (test=primary), from the latest decision; 0.1 = +10 %",
      labelNames: ["experiment", "metric", "variant", "test"],
      registers: r,
    }),
    webhookDeliveries: new Gauge({ name: "verdict_webhook_deliveries", help: "Webhook deliveries in the outbox by status", labelNames: ["status"], registers: r }),
  };
  observeEventStoreTiming((op, seconds, ok) => m.chLatency.observe({ operation: op, outcome: ok ? "ok" : "error" }, seconds));
  observeStoredToDecision((seconds) => m.storedToDecision.observe(seconds));
  return m;
}

export type MonitoringMetrics = ReturnType<typeof build>;

export function monitoring(): MonitoringMetrics {
  return processSingleton("monitoring.registry", build);
}

/** A counter that mirrors a running total kept elsewhere (prom-client counters cannot be set). */
export function mirrorCounter<L extends string>(c: Counter<L>, totals: Record<string, number>, label: L): void {
  c.reset();
  for (const [value, total] of Object.entries(totals)) c.inc({ [label]: value } as Partial<Record<L, string>>, total);
}
