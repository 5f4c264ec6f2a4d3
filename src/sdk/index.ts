/**
 * Verdict SDK: the public surface. One runtime dependency, re2js (README.md); the OpenFeature
 * providers live in ./openfeature (import "@/sdk/openfeature") and need the application's
 * OpenFeature package.
 */
export { bucket, bucketFrom, hashUint32, seedState, HASH_VERSION } from "./hash";
export { compileExperiment, compileSnapshot, evaluate, evaluateAll, evaluateDetailed, type CompiledExperiment, type CompiledSnapshot } from "./evaluate";
export { attributeOf, compareSemver, compileRule, parseSemver, validateRule, MAX_REGEX_INPUT_LENGTH, MAX_REGEX_LENGTH, type UnitPredicate } from "./targeting";
export { validateExperiment, validateSnapshot } from "./validate";
export { VerdictClient, type ClientStats, type ExposureEvent, type TrackEvent, type VerdictClientOptions } from "./client";
export type * from "./types";
