/**
 * OpenFeature providers backed by VerdictClient, so teams already on OpenFeature can adopt
 * Verdict without changing call sites:
 *   - VerdictProvider     for @openfeature/server-sdk (async resolvers, one context per call)
 *   - VerdictWebProvider  for @openfeature/web-sdk    (sync resolvers, static context)
 * The OpenFeature packages are peer dependencies of the application: this module imports only
 * their types, so the SDK itself takes no OpenFeature runtime dependency.
 *
 * Flags are Verdict experiments (flag key = experiment key); the evaluation context's
 * `targetingKey` is the userId, `instanceId` the instance id, every other primitive field an
 * attribute. Values: boolean = the variant is not control (variants named on/off/true/false
 * map directly); string = the variant key; number = a numeric variant key; object = the
 * assignment { experiment, variant, exposed, strategy, stage }.
 *
 * A new snapshot (pushed on the stream, or polled) emits PROVIDER_CONFIGURATION_CHANGED with the
 * keys of the experiments that changed (`flagsChanged`), so applications re-evaluate at once.
 */
import type { AnyProviderEvent, EvaluationContext, ErrorCode, EventContext, EventHandler, JsonValue, Logger, ProviderEventEmitter, ResolutionDetails, TrackingEventDetails } from "@openfeature/core";
import type { Provider as ServerProvider } from "@openfeature/server-sdk";
import type { Provider as WebProvider } from "@openfeature/web-sdk";
import { VerdictClient, type VerdictClientOptions } from "../client";
import type { AssignmentReason, AttributeValue, DetailedAssignment, Snapshot, Unit } from "../types";

/** ProviderEvents.ConfigurationChanged (the string itself: the SDK's enums are runtime values). */
export const CONFIGURATION_CHANGED = "PROVIDER_CONFIGURATION_CHANGED";

/** A dependency-free ProviderEventEmitter: the OpenFeature SDK subscribes to it through `provider.events`. */
export class VerdictProviderEvents implements ProviderEventEmitter<AnyProviderEvent> {
  private readonly handlers = new Map<AnyProviderEvent, Set<EventHandler>>();
  private logger: Logger | null = null;

  emit(eventType: AnyProviderEvent, context?: EventContext): void {
    for (const h of this.handlers.get(eventType) ?? []) {
      try {
        const r = h(context as never) as unknown;
        if (r instanceof Promise) r.catch((e: unknown) => this.logger?.error(`verdict provider: ${eventType} handler failed: ${String(e)}`));
      } catch (e) {
        this.logger?.error(`verdict provider: ${eventType} handler failed: ${String(e)}`);
      }
    }
  }
  addHandler(eventType: AnyProviderEvent, handler: EventHandler): void {
    let set = this.handlers.get(eventType);
    if (!set) this.handlers.set(eventType, (set = new Set()));
    set.add(handler);
  }
  removeHandler(eventType: AnyProviderEvent, handler: EventHandler): void {
    this.handlers.get(eventType)?.delete(handler);
  }
  removeAllHandlers(eventType?: AnyProviderEvent): void {
    if (eventType === undefined) this.handlers.clear();
    else this.handlers.delete(eventType);
  }
  getHandlers(eventType: AnyProviderEvent): EventHandler[] {
    return [...(this.handlers.get(eventType) ?? [])];
  }
  setLogger(logger: Logger): this {
    this.logger = logger;
    return this;
  }
}

/** Keys of experiments added, removed or changed between two snapshots. */
export function changedFlags(before: Snapshot | null, after: Snapshot): string[] {
  const old = new Map((before?.experiments ?? []).map((e) => [e.key, JSON.stringify(e)]));
  const changed: string[] = [];
  for (const e of after.experiments) {
    if (old.get(e.key) !== JSON.stringify(e)) changed.push(e.key);
    old.delete(e.key);
  }
  return [...changed, ...old.keys()];
}

type FlagType = "boolean" | "string" | "number" | "object";

/** Verdict's reasons in OpenFeature's vocabulary. */
const REASONS: Record<AssignmentReason, string> = {
  split: "SPLIT",
  outside_split: "DEFAULT",
  holdback: "SPLIT",
  forced: "TARGETING_MATCH",
  verification: "TARGETING_MATCH",
  targeting_miss: "DEFAULT",
  outside_layer: "DEFAULT",
  missing_unit: "DEFAULT",
  live: "STATIC",
  shipped: "STATIC",
  disabled: "DISABLED",
  rolled_back: "DISABLED",
};

const KNOWN_EVENT_TYPES = new Set(["page_load", "request", "error", "engagement", "feedback", "metric"]);

/** OpenFeature evaluation context -> Verdict unit. */
export function contextToUnit(context: EvaluationContext | undefined): Unit {
  const attributes: Record<string, AttributeValue> = {};
  let instanceId: string | undefined;
  for (const [name, value] of Object.entries(context ?? {})) {
    if (name === "targetingKey") continue;
    if (name === "instanceId" && typeof value === "string") instanceId = value;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") attributes[name] = value;
    else if (value instanceof Date) attributes[name] = value.toISOString();
  }
  const unit: Unit = { attributes };
  if (typeof context?.targetingKey === "string" && context.targetingKey !== "") unit.userId = context.targetingKey;
  if (instanceId !== undefined) unit.instanceId = instanceId;
  return unit;
}

function booleanOf(variant: string, control: string): boolean {
  const v = variant.toLowerCase();
  if (v === "on" || v === "true") return true;
  if (v === "off" || v === "false") return false;
  return variant !== control;
}

function failure<T>(defaultValue: T, code: string, message: string): ResolutionDetails<T> {
  return { value: defaultValue, reason: "ERROR", errorCode: code as ErrorCode, errorMessage: message };
}

/** The shared, synchronous resolution used by both providers. */
export function resolveFlag<T>(client: VerdictClient, type: FlagType, flagKey: string, defaultValue: T, context: EvaluationContext | undefined): ResolutionDetails<T> {
  if (client.snapshot === null) return failure(defaultValue, "PROVIDER_NOT_READY", "Verdict snapshot not loaded yet");
  const detailed: DetailedAssignment | null = client.getDetailedAssignment(flagKey, contextToUnit(context));
  if (detailed === null) return failure(defaultValue, "FLAG_NOT_FOUND", `no Verdict experiment ${JSON.stringify(flagKey)}`);
  const { assignment, reason, paused } = detailed;
  const control = client.snapshot.experiments.find((e) => e.key === flagKey)?.control ?? "control";
  let value: unknown;
  switch (type) {
    case "boolean":
      value = booleanOf(assignment.variant, control);
      break;
    case "string":
      value = assignment.variant;
      break;
    case "number": {
      const n = assignment.variant.trim() === "" ? NaN : Number(assignment.variant);
      if (!Number.isFinite(n)) return failure(defaultValue, "TYPE_MISMATCH", `variant ${JSON.stringify(assignment.variant)} is not a number`);
      value = n;
      break;
    }
    case "object":
      value = { ...assignment } satisfies JsonValue;
      break;
  }
  return {
    value: value as T,
    variant: assignment.variant,
    reason: REASONS[reason],
    flagMetadata: { experiment: assignment.experiment, strategy: assignment.strategy, stage: assignment.stage, exposed: assignment.exposed, paused },
  };
}

function trackWith(client: VerdictClient, name: string, context: EvaluationContext, details: TrackingEventDetails): void {
  const userId = context.targetingKey;
  if (typeof userId !== "string" || userId === "") return; // events need a unit; OpenFeature tracking is fire-and-forget
  const properties: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(details ?? {})) {
    if (k !== "value" && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) properties[k] = v;
  }
  const known = KNOWN_EVENT_TYPES.has(name);
  client.track({ type: known ? name : "metric", ...(known ? {} : { name }), userId, ...(details?.value !== undefined ? { value: details.value } : {}), properties });
}

function clientOf(source: VerdictClient | VerdictClientOptions): VerdictClient {
  return source instanceof VerdictClient ? source : new VerdictClient(source);
}

/** What both providers share: the client, its lifecycle and tracking. */
abstract class VerdictProviderBase {
  readonly client: VerdictClient;
  readonly events = new VerdictProviderEvents();
  private last: Snapshot | null;

  constructor(source: VerdictClient | VerdictClientOptions) {
    this.client = clientOf(source);
    this.last = this.client.snapshot;
    this.client.onSnapshot((snapshot) => {
      const before = this.last;
      this.last = snapshot;
      // the first load is the provider becoming ready, which the SDK announces itself
      if (before !== null) this.events.emit(CONFIGURATION_CHANGED as AnyProviderEvent, { flagsChanged: changedFlags(before, snapshot) });
    });
  }

  async initialize(): Promise<void> {
    if (this.client.snapshot === null) await this.client.init();
  }

  async onClose(): Promise<void> {
    await this.client.close();
  }

  track(name: string, context: EvaluationContext, details: TrackingEventDetails): void {
    trackWith(this.client, name, context, details);
  }
}

/** Server-side provider (@openfeature/server-sdk). */
export class VerdictProvider extends VerdictProviderBase implements ServerProvider {
  readonly metadata = { name: "verdict" } as const;
  readonly runsOn = "server" as const;

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return resolveFlag(this.client, "boolean", flagKey, defaultValue, context);
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return resolveFlag(this.client, "string", flagKey, defaultValue, context);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return resolveFlag(this.client, "number", flagKey, defaultValue, context);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return resolveFlag(this.client, "object", flagKey, defaultValue, context);
  }
}

/** Browser provider (@openfeature/web-sdk): synchronous, evaluated against the static context. */
export class VerdictWebProvider extends VerdictProviderBase implements WebProvider {
  readonly metadata = { name: "verdict-web" } as const;
  readonly runsOn = "client" as const;

  // Evaluation is local and the context is passed to every resolver, so nothing to refetch.
  onContextChange(): void {}

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): ResolutionDetails<boolean> {
    return resolveFlag(this.client, "boolean", flagKey, defaultValue, context);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): ResolutionDetails<string> {
    return resolveFlag(this.client, "string", flagKey, defaultValue, context);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): ResolutionDetails<number> {
    return resolveFlag(this.client, "number", flagKey, defaultValue, context);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    return resolveFlag(this.client, "object", flagKey, defaultValue, context);
  }
}
