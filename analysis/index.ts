// Public API of Verdict's statistics library. Pure: no I/O, no Node built-ins,
// nothing from src/. See analysis/README.md for methods, references and the
// edge-case table.
export type { Alternative, ArmSummary, Comparison, DegenerateReason, Interval, Mean, Options, Proportion, Ratio, ShiftedMean } from "./types";
export { AnalysisInputError, type AnalysisInputErrorCode } from "./errors";
export { belowPrecision, cappedMean, proportionToMean, summarizeMean } from "./summary";
export { twoProportionTest, type ProportionOptions } from "./proportion";
export { welchTTest } from "./mean";
export { ratioEstimate, ratioTest, type RatioEstimate } from "./ratio";
export {
  DEFAULT_SEQUENTIAL_TUNING,
  sequentialFromEstimate,
  sequentialRho,
  sequentialTest,
  type SequentialComparison,
  type SequentialEstimateInput,
  type SequentialOptions,
  type SequentialResult,
} from "./sequential";
export { mannWhitneyU, type MannWhitneyResult } from "./mannWhitney";
export { srmTest, type SrmResult } from "./srm";
export { adjustPValues, type AdjustMethod } from "./multiple";
export { fisherExactProportions, fisherExactTest, type FisherResult } from "./fisher";
export { cupedTest, type CupedComparison, type CupedInput } from "./cuped";
export { bayesianMeans, bayesianProportions, type BayesianResult, type BetaPrior } from "./bayesian";
export {
  minimumDetectableEffect,
  minimumDetectableEffectForProportions,
  powerForMeans,
  powerForProportions,
  sampleSizeForMeans,
  sampleSizeForProportions,
  sampleSizeForRatio,
  usersStillNeeded,
  type PowerOptions,
  type SampleSize,
  type UsersStillNeeded,
} from "./power";
export { percentileTest, quantileInterval, type PercentileComparison, type QuantileInterval, type QuantileSummary } from "./percentile";
export {
  sequentialBoundary,
  sequentialPowerForMeans,
  sequentialPowerForProportions,
  sequentialSampleSize,
  sequentialSampleSizeForMeans,
  sequentialSampleSizeForProportions,
  sequentialTuningFor,
  sequentialUsersStillNeeded,
  type SequentialPowerOptions,
} from "./sequentialPower";
export { ratioCupedTest, type RatioCupedComparison, type RatioCupedInput } from "./ratioCuped";
export {
  NOVELTY_MIN_DAYS,
  NOVELTY_MIN_UNITS_PER_ARM,
  noveltyEffects,
  noveltyTrend,
  noveltyUnitScore,
  TREND_ALPHA,
  type NoveltyArmDay,
  type NoveltyArmScores,
  type NoveltyDay,
  type NoveltyDayInput,
  type NoveltyKind,
  type NoveltyOptions,
  type NoveltyResult,
  type NoveltyTrend,
  type NoveltyTrendPlan,
} from "./novelty";
