import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native and WASM store drivers are loaded from node_modules at run time, never bundled.
  serverExternalPackages: ["chdb", "@electric-sql/pglite", "pg", "@clickhouse/client", "bcryptjs", "prom-client"],
  poweredByHeader: false,
  // `npm test` runs `tsc --noEmit` over the whole project (tests included); checking again during
  // every build would only double the build time.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
