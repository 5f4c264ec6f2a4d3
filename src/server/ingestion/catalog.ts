// Which experiments and variants exist, for validating exposure events without a config-store
// query per request. Dropped on every experiment change in this process (subscribeExperimentChanges)
// and reloaded after a short TTL anyway, so changes made by another process show up within seconds.
// An exposure naming something unknown triggers one early reload (rate-limited), so an experiment
// created a moment ago is accepted.
import { processSingleton } from "@/core/process-singleton";
import { subscribeExperimentChanges } from "@/server/experiments/change";
import { listExperiments } from "@/server/experiments/list";
import type { VariantCatalog } from "./validate";

const TTL_MS = 5_000;
const MIN_RELOAD_INTERVAL_MS = 500;

interface CatalogState {
  variants: Map<string, Set<string>>;
  loadedAt: number;
  loading?: Promise<void>;
  unsubscribe?: () => void;
}

// One per process even if the bundler duplicates this module (instrumentation vs route bundles).
const state = processSingleton<CatalogState>("ingestion.catalog", () => ({ variants: new Map(), loadedAt: 0 }));

const catalog: VariantCatalog = {
  has(experiment, variant) {
    const variants = state.variants.get(experiment);
    if (!variants) return "unknown_experiment";
    return variants.has(variant) ? "ok" : "unknown_variant";
  },
};

function reload(): Promise<void> {
  state.unsubscribe ??= subscribeExperimentChanges(() => {
    state.loadedAt = 0;
  });
  state.loading ??= (async () => {
    try {
      const experiments = await listExperiments();
      state.variants = new Map(experiments.map((e) => [e.key, new Set(e.variants.map((v) => v.key))]));
      state.loadedAt = Date.now();
    } finally {
      state.loading = undefined;
    }
  })();
  return state.loading;
}

/** The catalog, loaded or refreshed when older than the TTL. */
export async function variantCatalog(): Promise<VariantCatalog> {
  if (Date.now() - state.loadedAt > TTL_MS) await reload();
  return catalog;
}

/** Reloads now unless the catalog was loaded very recently (an unknown key may be brand new). */
export async function refreshVariantCatalog(): Promise<VariantCatalog> {
  if (Date.now() - state.loadedAt > MIN_RELOAD_INTERVAL_MS) await reload();
  return catalog;
}
