import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native and WASM store drivers are loaded from node_modules at run time, never bundled.
  serverExternalPackages: ["chdb", "@electric-sql/pglite", "pg", "@clickhouse/client", "bcryptjs", "prom-client"],
  poweredByHeader: false,
  typescript: { tsconfigPath: "tsconfig.json" },
};

export default nextConfig;
