// The API shape of a definition (`key`) ↔ the engine's MetricDefinition (`name`).
import type { MetricDefinition } from "@/server/evidence";
import type { MetricDefinitionInput } from "./schemas";

/** The engine's definition of a stored one at `version`. */
export function toEngine(d: MetricDefinitionInput, version: number): MetricDefinition {
  return {
    name: d.key,
    label: d.label,
    kind: d.kind,
    direction: d.direction,
    numerator: d.numerator,
    ...(d.denominator ? { denominator: d.denominator } : {}),
    ...(d.percentile !== undefined ? { percentile: d.percentile } : {}),
    ...(d.capping ? { capping: d.capping } : {}),
    version,
    ...(d.unit ? { unit: d.unit } : {}),
    // CUPED applies to per-unit sums and shares; ratios and percentiles have no such covariate here
    cuped: d.kind === "proportion" || d.kind === "mean",
    description: d.description,
  };
}

/** A built-in as the API shows it (read-only). */
export function fromEngine(m: MetricDefinition): MetricDefinitionInput {
  return canonical({ ...m, key: m.name } as MetricDefinitionInput);
}

/** The stored JSON in a fixed field order, without absent optionals. */
export function canonical(d: MetricDefinitionInput): MetricDefinitionInput {
  return {
    key: d.key,
    label: d.label,
    description: d.description,
    kind: d.kind,
    numerator: d.numerator,
    ...(d.denominator ? { denominator: d.denominator } : {}),
    ...(d.percentile !== undefined ? { percentile: d.percentile } : {}),
    direction: d.direction,
    ...(d.unit ? { unit: d.unit } : {}),
    ...(d.capping ? { capping: d.capping } : {}),
  };
}
