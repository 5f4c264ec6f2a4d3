// An experiment names its metrics by key: a built-in, a stored definition (/api/v1/metrics), or,
// as before definitions existed, the name of a `metric` event (an implicit custom metric, mean per
// user). A name that is none of them would only fail later, at results time; it is refused here.
import { AppError } from "@/core/errors";
import { metricDefinition } from "@/server/evidence";
import { ensureMetricDefinitions } from "@/server/metrics/registry";

interface MetricNames {
  primary?: string;
  secondary?: readonly string[];
  guardrails?: readonly { metric: string }[];
}

export async function checkMetricNames(metrics: MetricNames | undefined): Promise<void> {
  if (!metrics) return;
  await ensureMetricDefinitions();
  const named: [string, string][] = [
    ...(metrics.primary !== undefined ? [["metrics.primary", metrics.primary] as [string, string]] : []),
    ...(metrics.secondary ?? []).map((m, i): [string, string] => [`metrics.secondary.${i}`, m]),
    ...(metrics.guardrails ?? []).map((g, i): [string, string] => [`metrics.guardrails.${i}.metric`, g.metric]),
  ];
  const details = named
    .filter(([, name]) => metricDefinition(name) === null)
    .map(([path, name]) => ({
      path,
      code: "unknown_metric",
      message: `'${name.slice(0, 100)}' is neither a built-in metric, a stored definition (GET /api/v1/metrics) nor a metric event name (letters, digits, '_', '.', ':', '-')`,
    }));
  if (details.length > 0) throw new AppError("validation_failed", `Invalid body: ${details.map((d) => `${d.path} ${d.message}`).join("; ")}`, details);
}
