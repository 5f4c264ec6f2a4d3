import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@analysis$/, replacement: `${root}analysis/index.ts` },
      { find: /^@analysis\/(.*)$/, replacement: `${root}analysis/$1` },
      { find: /^@\/(.*)$/, replacement: `${root}src/$1` },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // chDB binds one data directory per process: every test file runs in its own forked process.
    pool: "forks",
    isolate: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/setup.ts"],
  },
});
