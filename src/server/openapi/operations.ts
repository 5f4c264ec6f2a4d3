// Every operation of the API, with the zod schemas that validate it (a test checks every route file is listed).
import { AssignSchema } from "@/server/assignment/schemas";
import { ListAuditQuery } from "@/server/audit/list";
import { IngestEnvelopeSchema } from "@/server/ingestion/schemas";
import { LoginSchema } from "@/server/auth/login";
import { CreateExperimentSchema, ExperimentKeyParams, ListExperimentsQuery, ReasonBody, ResultsQuery, UpdateExperimentSchema } from "@/server/experiments/schemas";
import { CreateKeySchema, KeyIdParams, UpdateKeySchema } from "@/server/keys/schemas";
import { CreateUserSchema, ResetPasswordSchema, UpdateUserSchema, UserIdParams } from "@/server/users/schemas";
import { CreateWebhookSchema, ListDeliveriesQuery, WebhookIdParams } from "@/server/webhooks/schemas";
import { ListDecisionsQuery } from "@/server/decisions/record";
import { CreateMetricSchema, MetricKeyParams, MetricVersionParams, UpdateMetricSchema } from "@/server/metrics/schemas";
import { ActionReasonBody, PromoteBody, RollbackBody, SwitchBody } from "@/server/decisions/schemas";
import { z } from "zod";
import { registerOperations } from "./registry";

const key = ExperimentKeyParams;

registerOperations(
  {
    method: "get",
    path: "/api/health",
    summary: "State of both stores and their migrations",
    access: "public",
    tag: "system",
    responses: { 200: "status ok, or degraded with problems (dead letters, a failing spool drain); error details only for viewer-or-better callers", 503: "A store is down" },
  },
  { method: "get", path: "/api/v1/openapi.json", summary: "This document", access: "public", tag: "system" },
  {
    method: "post",
    path: "/api/auth/login",
    summary: "Sign in; sets the session and CSRF cookies. Failed attempts back off per account and per client address",
    access: "public",
    tag: "auth",
    body: LoginSchema,
    responses: { 200: "Signed in", 401: "Wrong username or password", 403: "Account disabled", 429: "Too many failed sign-ins (Retry-After)" },
  },
  { method: "post", path: "/api/auth/logout", summary: "Sign out", access: "viewer", tag: "auth" },
  { method: "get", path: "/api/auth/me", summary: "Who is calling", access: "viewer", tag: "auth" },
  { method: "get", path: "/api/v1/experiments", summary: "List experiments", access: "viewer", tag: "experiments", query: ListExperimentsQuery },
  {
    method: "post",
    path: "/api/v1/experiments",
    summary: "Create an experiment",
    access: "release_manager",
    tag: "experiments",
    body: CreateExperimentSchema,
    responses: { 201: "Created", 409: "Key taken" },
  },
  { method: "get", path: "/api/v1/experiments/{key}", summary: "One experiment", access: "viewer", tag: "experiments", params: key, responses: { 200: "OK", 404: "Unknown key" } },
  {
    method: "patch",
    path: "/api/v1/experiments/{key}",
    summary: "Edit an experiment (weights of a running one only with rerandomize)",
    access: "release_manager",
    tag: "experiments",
    params: key,
    body: UpdateExperimentSchema,
    responses: { 200: "Updated", 409: "Illegal while running or ended" },
  },
  ...(["start", "pause", "resume"] as const).map((a) => ({
    method: "post" as const,
    path: `/api/v1/experiments/{key}/${a}`,
    summary: `${a[0].toUpperCase()}${a.slice(1)} an experiment`,
    access: "release_manager" as const,
    tag: "experiments",
    params: key,
    body: ReasonBody,
    responses: { 200: "New state", 409: "Illegal transition; details.status is the current status" },
  })),
  {
    method: "post",
    path: "/api/v1/assign",
    summary: "Assign a unit (or up to 1,000) to every served experiment; logs exposures unless log is false",
    access: "client",
    tag: "assignment",
    body: AssignSchema,
  },
  {
    method: "get",
    path: "/api/v1/sdk/config",
    summary: "The snapshot the SDK evaluates locally (ETag; 304 when unchanged)",
    access: "client",
    tag: "assignment",
    responses: { 200: "Snapshot (toggles: `toggle` = { holdback, groups: [{ targeting, exposure }] }; blue_green: `verificationShare`; src/sdk/README.md)", 304: "Unchanged" },
  },
  {
    method: "get",
    path: "/api/v1/sdk/stream",
    summary:
      "Server-sent events (text/event-stream): `event: snapshot`, `id: <etag>`, `data: <the GET /api/v1/sdk/config JSON>` on connect and on every change; a `:` comment heartbeat every 15 s; with Last-Event-ID (header or ?lastEventId=) equal to the current etag nothing is resent. Client key as bearer, or ?key= for EventSource",
    access: "client",
    tag: "assignment",
    query: z.object({ key: z.string().optional(), lastEventId: z.string().optional() }),
    responses: { 200: "text/event-stream of snapshots", 503: "Too many streams on this server (Retry-After): poll /api/v1/sdk/config" },
  },
  {
    method: "post",
    path: "/api/v1/events",
    summary: "Send KPI events and exposures (client key; ?key= for sendBeacon; gzip accepted)",
    access: "client",
    tag: "ingestion",
    body: IngestEnvelopeSchema,
    responses: {
      200: "{ accepted, rejected: [{ index, code, message }] }: invalid events (the message names the field; timestamps outside 2000-01-01T00:00:00Z .. now + 5 min; lone UTF-16 surrogates) are rejected by index, the rest kept",
      400: "Body is not JSON or not { events: [...] }",
      413: "Over 1,000 events or 1 MiB",
      429: "Rate limited (Retry-After)",
      503: "spool_full (Retry-After): the spool is at its limit or its disk is full; overloaded (Retry-After: 1): more is waiting to be committed than VERDICT_INGEST_QUEUE_MAX_BYTES. Nothing of the request was accepted",
    },
  },
  {
    method: "get",
    path: "/api/v1/experiments/{key}/results",
    summary:
      'Exposures, SRM, per-metric effects with intervals, fixed-horizon and always-valid p-values, CUPED, time series; for a toggle with holdback 0 (no comparison group) beforeAfter: the on users before vs after they got it, paired per user, labelled "before/after (not randomised)" with its caveat (null otherwise)',
    access: "viewer",
    tag: "results",
    params: key,
    query: ResultsQuery,
    responses: {
      200: "Results; every comparison has status ok | insufficient_data (with statusReason: too few units or a degenerate variance; never better or worse). With ?segment=<attribute>: segments { attribute, correction, values: [{ value, exposures, multipleExposures, srm, metrics }] } by the unit's attribute at first exposure (20 most frequent values, the rest 'other', '(none)' without it), adjustedPValue there Benjamini–Hochberg over the breakdown, also stated in correction.segments. With ?novelty=1: novelty { metric, kind, cutAt, days: [{ day, n: { byVariant }, effect, se, ci: { lower, upper }, relative, used }], trend: { slope, se, naiveSe, z, p, alpha, daysUsed, direction: shrinking | growing, trending } | null, warning? (when trending), method, unavailable? (percentile primary) }: the primary metric's effect (treatment − control) by days since first exposure (≤ 30 days), the trend a weighted least-squares slope with a unit-clustered standard error",
      400: "segment is not an attribute the experiment declares",
      404: "Unknown key",
    },
  },
  { method: "get", path: "/api/v1/audit", summary: "Audit log, newest first", access: "viewer", tag: "audit", query: ListAuditQuery },
  { method: "get", path: "/api/v1/keys", summary: "API keys (never their tokens)", access: "admin", tag: "admin" },
  { method: "post", path: "/api/v1/keys", summary: "Create an API key; the token is shown once", access: "admin", tag: "admin", body: CreateKeySchema, responses: { 201: "Created" } },
  {
    method: "patch",
    path: "/api/v1/keys/{id}",
    summary: "Set (events/s) or clear (null) a key's ingestion limit",
    access: "admin",
    tag: "admin",
    params: KeyIdParams,
    body: UpdateKeySchema,
    responses: { 200: "Updated", 404: "Unknown key", 409: "Key revoked" },
  },
  { method: "delete", path: "/api/v1/keys/{id}", summary: "Revoke an API key (refused at once on every instance)", access: "admin", tag: "admin", params: KeyIdParams },
  { method: "get", path: "/api/v1/users", summary: "Users", access: "admin", tag: "admin" },
  { method: "post", path: "/api/v1/users", summary: "Create a user", access: "admin", tag: "admin", body: CreateUserSchema, responses: { 201: "Created", 409: "Username taken" } },
  {
    method: "patch",
    path: "/api/v1/users/{id}",
    summary: "Change a user's role and/or disable (ends their sessions) or enable them",
    access: "admin",
    tag: "admin",
    params: UserIdParams,
    body: UpdateUserSchema,
    responses: { 200: "Updated", 404: "Unknown user", 409: "Would leave no enabled admin" },
  },
  {
    method: "post",
    path: "/api/v1/users/{id}/password",
    summary: "Reset a user's password (ends their sessions)",
    access: "admin",
    tag: "admin",
    params: UserIdParams,
    body: ResetPasswordSchema,
    responses: { 200: "Reset", 404: "Unknown user" },
  },
);

// Metric definitions (src/server/metrics): experiments name them by key.
registerOperations(
  {
    method: "get",
    path: "/api/v1/metrics",
    summary: "Every metric an experiment can name: the built-ins (builtIn true, version 0, read-only), then the stored definitions at their current version",
    access: "viewer",
    tag: "metrics",
  },
  {
    method: "post",
    path: "/api/v1/metrics",
    summary: "Define a metric from the events (version 1): proportion, mean, ratio (with a denominator) or percentile, optional property filters and capping",
    access: "release_manager",
    tag: "metrics",
    body: CreateMetricSchema,
    responses: { 201: "Created", 409: "Key taken" },
  },
  {
    method: "get",
    path: "/api/v1/metrics/{key}",
    summary: "One metric definition (current version)",
    access: "viewer",
    tag: "metrics",
    params: MetricKeyParams,
    responses: { 200: "OK", 404: "Unknown key" },
  },
  {
    method: "patch",
    path: "/api/v1/metrics/{key}",
    summary: "Edit a stored definition: saved as the next version (earlier versions stay, for the decisions that used them); null removes an optional field",
    access: "release_manager",
    tag: "metrics",
    params: MetricKeyParams,
    body: UpdateMetricSchema,
    responses: { 200: "Updated (or unchanged: same version)", 404: "Unknown key", 409: "A built-in metric (read-only)" },
  },
  {
    method: "get",
    path: "/api/v1/metrics/{key}/versions",
    summary: "Every version of a stored definition, newest first",
    access: "viewer",
    tag: "metrics",
    params: MetricKeyParams,
    responses: { 200: "OK", 404: "Unknown key, or a built-in (not versioned)" },
  },
  {
    method: "get",
    path: "/api/v1/metrics/{key}/versions/{version}",
    summary: "One version of a stored definition",
    access: "viewer",
    tag: "metrics",
    params: MetricVersionParams,
    responses: { 200: "OK", 404: "Unknown key or version" },
  },
);

// Webhooks and monitoring (src/server/webhooks, src/server/monitoring).
registerOperations(
  { method: "get", path: "/api/v1/webhooks", summary: "Webhook subscribers (URLs are credentials: admin only; never the secret)", access: "admin", tag: "webhooks" },
  {
    method: "post",
    path: "/api/v1/webhooks",
    summary:
      "Subscribe a URL to decision events, globally or for one experiment; the signing secret is shown once. Loopback, private, link-local and other internal destinations are refused unless VERDICT_WEBHOOK_ALLOWED_HOSTS lists them",
    access: "admin",
    tag: "webhooks",
    body: CreateWebhookSchema,
    responses: { 201: "Created (with secret)" },
  },
  {
    method: "delete",
    path: "/api/v1/webhooks/{id}",
    summary: "Remove a subscriber and its delivery log",
    access: "admin",
    tag: "webhooks",
    params: WebhookIdParams,
    responses: { 200: "Deleted", 404: "Unknown id" },
  },
  {
    method: "get",
    path: "/api/v1/webhooks/{id}/deliveries",
    summary: "Delivery log of a subscriber, newest first: status, attempts, last HTTP status; the last error text only for admins",
    access: "viewer",
    tag: "webhooks",
    params: WebhookIdParams,
    query: ListDeliveriesQuery,
    responses: { 200: "OK", 404: "Unknown id" },
  },
  {
    method: "get",
    path: "/api/metrics",
    summary: "Prometheus exposition: ingestion, spool, ClickHouse latency, evaluator runs, guardrails and recommendations per experiment",
    access: "viewer",
    tag: "system",
    responses: { 200: "text/plain; version=0.0.4" },
  },
);

// Decisions and release actions (src/server/decisions). 409 bodies carry details.status = the current status.
registerOperations(
  {
    method: "post",
    path: "/api/v1/experiments/{key}/evaluate",
    summary:
      "Evaluate now: a promote / hold / rollback decision with reasons, acted on per the automation mode; stored as a new decision when it changed, else the latest decision is refreshed (evidence, lastEvaluatedAt, evaluations + 1)",
    access: "release_manager",
    tag: "decisions",
    params: key,
    responses: { 200: "The decision (with inputs and parameters)", 409: "Not running or paused" },
  },
  {
    method: "get",
    path: "/api/v1/experiments/{key}/decision",
    summary:
      "The latest decision: recommendation, reasons, stage, evaluatedAt (when first reached), lastEvaluatedAt and evaluations (the latest evaluation that reached it again, whose inputs and evidence it carries), trigger (timer / events / manual), inputs",
    access: "viewer",
    tag: "decisions",
    params: key,
    responses: { 200: "OK", 404: "Unknown key or never evaluated" },
  },
  {
    method: "get",
    path: "/api/v1/decisions",
    summary: "Decisions across experiments, newest first (by evaluatedAt): a row per change of decision, each with lastEvaluatedAt and evaluations",
    access: "viewer",
    tag: "decisions",
    query: ListDecisionsQuery,
  },
  {
    method: "post",
    path: "/api/v1/experiments/{key}/promote",
    summary:
      "Promote: next stage (completed at 100 %), ship the winning A/B variant, or switch blue/green live to the candidate (which then bakes for rollout.bakeMinutes with the previous side kept ready; promoting during the bake finishes it)",
    access: "release_manager",
    tag: "decisions",
    params: key,
    body: PromoteBody,
    responses: { 200: "{ experiment, summary, decisionId }", 409: "Not running, or the database changes need acknowledgeIncompatibleDatabase" },
  },
  {
    method: "post",
    path: "/api/v1/experiments/{key}/rollback",
    summary: "Roll back (reason required): everyone gets the old version at the next evaluation",
    access: "release_manager",
    tag: "decisions",
    params: key,
    body: RollbackBody,
    responses: { 200: "{ experiment, summary, decisionId }", 400: "No reason", 409: "Illegal transition" },
  },
  {
    method: "post",
    path: "/api/v1/experiments/{key}/switch",
    summary: "Blue/green: flip the live environment atomically (optional `to`); switch again to switch back",
    access: "release_manager",
    tag: "decisions",
    params: key,
    body: SwitchBody,
    responses: { 200: "{ experiment, summary, live, previous }", 400: "Not blue/green or unknown environment", 409: "Already live or illegal transition" },
  },
  {
    method: "post",
    path: "/api/v1/experiments/{key}/kill",
    summary: "Kill switch: off for everyone at once",
    access: "release_manager",
    tag: "decisions",
    params: key,
    body: ActionReasonBody,
    responses: { 200: "{ experiment, summary }", 409: "Illegal transition" },
  },
  {
    method: "post",
    path: "/api/v1/experiments/{key}/drill",
    summary: "Rollback drill: dry-run the rollback path, check every unit would get the rollback variant, measure propagation, record it",
    access: "release_manager",
    tag: "decisions",
    params: key,
    responses: { 201: "The drill result; propagation.probes = measured ms until each probe (an /assign of a dry-run probe unit) saw the drilled state", 409: "Draft experiment" },
  },
  { method: "get", path: "/api/v1/experiments/{key}/drill", summary: "Recorded rollback drills, newest first", access: "viewer", tag: "decisions", params: key },
);
