import type { NextConfig } from "next";
import { API_SECURITY_HEADERS, COMMON_SECURITY_HEADERS } from "./src/server/http/security-headers";

const asList = (h: Readonly<Record<string, string>>) => Object.entries(h).map(([key, value]) => ({ key, value }));

const nextConfig: NextConfig = {
  // Native and WASM store drivers are loaded from node_modules at run time, never bundled.
  serverExternalPackages: ["chdb", "@electric-sql/pglite", "pg", "@clickhouse/client", "bcryptjs", "prom-client"],
  poweredByHeader: false,
  // `npm test` runs `tsc --noEmit` over the whole project (tests included); checking again during
  // every build would only double the build time.
  typescript: { ignoreBuildErrors: true },
  // Pages get their nonce CSP from src/proxy.ts; API answers, static files and Next's own errors these.
  async headers() {
    return [
      { source: "/:path*", headers: asList(COMMON_SECURITY_HEADERS) },
      { source: "/api/:path*", headers: asList(API_SECURITY_HEADERS) },
      { source: "/_next/:path*", headers: asList(API_SECURITY_HEADERS) },
    ];
  },
};

export default nextConfig;
