// The evidence engine's public face: stored events → per-variant summary statistics of the metrics
// an experiment asks for, the metric registry, and the sample-ratio check. results/ (the API view),
// decisions/ and everything else outside this folder import from here; the files behind it
// (rollup, stored summaries, SQL) are the engine's own. Design: ./README.md.
export { armInput } from "./arm-input";
export { builtInMetrics, isBuiltInMetric, metricDefinition, setStoredMetricDefinitions, storedMetricDefinitions, validateMetricDefinition } from "./metrics";
export { checkSrm, planSrm, SRM_MIN_PER_ARM, type SrmCheck, type SrmPlan } from "./srm";
export { getMetricSummaries, PRE_PERIOD_MS, seriesArmStats, type SummariesRequest } from "./summaries";
export { REFRESH_OVERLAP_MS } from "./rollup";
export type * from "./types";
export { getSegmentSummaries, NO_SEGMENT, OTHER_SEGMENT, SEGMENT_TOP_VALUES } from "./segments";
export { getNovelty, NOVELTY_MAX_DAYS, type NoveltyRequest, type NoveltySummaries } from "./novelty";
