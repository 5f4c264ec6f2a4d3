// The traffic simulator: a seeded model of realistic users with per-variant effects, driven through
// Verdict's public API. `npm run simulate` (scripts/simulate.ts), the demo seed and the rollout tests use it.
export { combineEffects, describeEffects, parseMultiplier, parseNumber, parseShare, type EffectsByVariant, type VariantEffects } from "./effects";
export { INSTANCE_PROFILE, unitTraffic, USER_PROFILE, type SimEvent, type TrafficProfile } from "./model";
export { createRandom, type Random } from "./random";
export { runSimulation, type SimulationOptions, type SimulationReport } from "./run";
export { httpTransport, transportFrom, type Transport } from "./transport";
