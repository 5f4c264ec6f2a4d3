import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import { defineConfig, globalIgnores } from "eslint/config";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([".next/**", "node_modules/**", ".verdict/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "bench/results/**"]),
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // App Router only: there is no pages/ directory for this rule to check links against
      "@next/next/no-html-link-for-pages": "off",
    },
  },
  {
    files: ["analysis/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["@/*", "../src/*", "node:*", "fs", "path", "os"] }],
    },
  },
]);
