// Next.js bundles instrumentation.ts and the route handlers separately, so a module-level variable
// can exist twice in one server process. Anything that must be one per process (the embedded stores:
// two PGlite instances on one directory would corrupt it; the ingestion spool; change listeners)
// lives on globalThis under a well-known symbol instead.
export function processSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`verdict.${name}`);
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  return (g[key] ??= create());
}
