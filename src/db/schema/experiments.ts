import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const STRATEGIES = ["ab", "canary", "blue_green", "rolling", "toggle"] as const;
export const STATUSES = ["draft", "running", "paused", "promoted", "rolled_back", "completed"] as const;
export const AUTOMATION_MODES = ["manual", "auto-rollback", "auto"] as const;

export const experiments = pgTable(
  "experiments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    key: text("key").notNull().unique(),
    name: text("name").notNull(),
    hypothesis: text("hypothesis").notNull().default(""),
    strategy: text("strategy", { enum: STRATEGIES }).notNull(),
    status: text("status", { enum: STATUSES }).notNull().default("draft"),
    // jsonb documents are validated by src/server/experiments/schemas.ts on every write
    variants: jsonb("variants").notNull(),
    control: text("control").notNull(),
    treatment: text("treatment").notNull(),
    targeting: jsonb("targeting"),
    forced: jsonb("forced").notNull().default({}),
    hashAttribute: text("hash_attribute").notNull().default("userId"),
    layer: jsonb("layer"),
    rollout: jsonb("rollout").notNull(),
    // rollout state that changes while running (stage, exposure, live pointer, kill switch)
    state: jsonb("state").notNull(),
    metrics: jsonb("metrics").notNull(),
    // segment attribute names (issue 16), validated by SegmentsSchema
    segments: jsonb("segments").notNull().default([]),
    automation: text("automation", { enum: AUTOMATION_MODES }).notNull().default("auto-rollback"),
    rollbackPlan: jsonb("rollback_plan").notNull(),
    salt: text("salt").notNull(),
    // bumped on every write; optimistic concurrency for the evaluator and humans acting at once
    version: integer("version").notNull().default(1),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [index("experiments_status_idx").on(t.status)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actor: text("actor").notNull(),
    actorKind: text("actor_kind", { enum: ["user", "server_key", "client_key", "system", "anonymous"] }).notNull(),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityKey: text("entity_key").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    reason: text("reason"),
    decisionId: uuid("decision_id"),
  },
  (t) => [index("audit_entity_idx").on(t.entityType, t.entityKey), index("audit_at_idx").on(t.at)],
);

export const decisions = pgTable(
  "decisions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    experimentKey: text("experiment_key").notNull(),
    recommendation: text("recommendation", { enum: ["promote", "hold", "rollback"] }).notNull(),
    reasons: jsonb("reasons").notNull(),
    stage: integer("stage"),
    inputs: jsonb("inputs").notNull(),
    parameters: jsonb("parameters").notNull(),
    codeVersion: text("code_version").notNull(),
    // what decide() computed beyond the reasons: per-test results and the running minima of the
    // always-valid p-values that the next evaluation carries forward (src/server/decisions)
    outputs: jsonb("outputs"),
    experimentVersion: integer("experiment_version"),
    action: text("action"),
    // what started the evaluation: the evaluator's timer, newly stored events, or a request (null before 0003)
    trigger: text("trigger", { enum: ["timer", "events", "manual"] }),
    // when the decision was first reached; an evaluation that reaches the same decision again updates
    // the row in place (evidence, carry) and only moves these two (null before 0005: = evaluated_at, 1)
    evaluatedAt: timestamp("evaluated_at", { withTimezone: true }).notNull().defaultNow(),
    lastEvaluatedAt: timestamp("last_evaluated_at", { withTimezone: true }),
    evaluations: integer("evaluations").notNull().default(1),
    // the version of each stored metric definition the decision read ({ crash_rate: 2 }); built-ins
    // and implicit custom metrics are not versioned and are left out (null before 0007)
    metricVersions: jsonb("metric_versions"),
  },
  (t) => [index("decisions_experiment_idx").on(t.experimentKey, t.evaluatedAt), index("decisions_at_idx").on(t.evaluatedAt)],
);

export const webhooks = pgTable("webhooks", {
  id: uuid("id").primaryKey().defaultRandom(),
  url: text("url").notNull(),
  secret: text("secret").notNull(),
  experimentKey: text("experiment_key"),
  events: jsonb("events").notNull(),
  active: integer("active").notNull().default(1),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt)],
);

export const drills = pgTable("drills", {
  id: uuid("id").primaryKey().defaultRandom(),
  experimentKey: text("experiment_key").notNull(),
  performedBy: text("performed_by").notNull(),
  result: jsonb("result").notNull(),
  durationMs: integer("duration_ms").notNull(),
  ok: integer("ok").notNull(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});
