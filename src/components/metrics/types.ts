// What the metrics page hands its client components (the API's MetricView, src/server/metrics/schemas.ts).
export interface SelectorValue {
  type: string;
  name?: string;
  where?: { property: string; op: string; value?: unknown }[];
  aggregate: string;
}

export interface MetricFormValue {
  key: string;
  label: string;
  description: string;
  kind: "proportion" | "mean" | "ratio" | "percentile";
  direction: "higher_is_better" | "lower_is_better";
  unit?: string;
  numerator: SelectorValue;
  denominator?: SelectorValue;
  percentile?: number;
  capping?: { percentile: number } | { absolute: number };
  version: number;
  builtIn: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}
