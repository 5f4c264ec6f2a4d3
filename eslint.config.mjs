import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import { readdirSync } from "node:fs";
import { defineConfig, globalIgnores } from "eslint/config";

// Layers point one way: core ← db, sdk ← server ← simulator ← app/components. A zone's `from` is
// matched against the resolved file (eslint-config-next registers the `import` plugin and the
// TypeScript resolver, which reads tsconfig's `@/*` and `@analysis` paths), so relative and aliased
// imports are caught alike.
const layerZones = [
  {
    target: "./src/core",
    from: ["./src/db", "./src/server", "./src/app", "./src/components", "./src/sdk", "./src/simulator"],
    message: "src/core is the bottom layer: env, errors, process singletons; it imports no other layer.",
  },
  {
    target: ["./src/db", "./src/sdk"],
    from: ["./src/server", "./src/app", "./src/components", "./src/simulator"],
    message: "src/db and src/sdk sit below src/server: they may import src/core, never a layer above.",
  },
  {
    target: "./src/server",
    from: ["./src/app", "./src/components"],
    message: "src/server is domain logic: it never imports routes, pages or UI components.",
  },
  {
    target: "./src/simulator",
    from: ["./src/app", "./src/components"],
    message: "The simulator drives the server through src/server (src/server/http/client-endpoints.ts), never through route files or UI.",
  },
  {
    target: "./analysis",
    from: ["./src"],
    message: "analysis/ is pure statistics: no imports from src/.",
  },
  {
    // the statistics engine is entered through its face; its files behind it are its own to change
    target: [
      "./src/app",
      "./src/components",
      "./src/simulator",
      ...readdirSync("./src/server", { withFileTypes: true })
        .filter((d) => d.name !== "evidence")
        .map((d) => `./src/server/${d.name}`),
    ],
    from: "./src/server/evidence",
    // metrics.ts and types.ts import no store, so client components (the experiment form) may read the registry
    except: ["./index.ts", "./metrics.ts", "./types.ts"],
    message: "Outside src/server/evidence, import the engine through @/server/evidence (its index.ts).",
  },
];

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([".next/**", "node_modules/**", ".verdict/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "bench/results/**"]),
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // App Router only: there is no pages/ directory for this rule to check links against
      "@next/next/no-html-link-for-pages": "off",
      "import/no-restricted-paths": ["error", { zones: layerZones }],
    },
  },
  {
    // Process-wide state is made one way: processSingleton() (src/core/process-singleton.ts).
    ignores: ["src/core/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='Symbol'][callee.property.name='for']",
          message: "Process-wide state goes through processSingleton() from @/core/process-singleton, not a hand-rolled globalThis[Symbol.for(...)].",
        },
      ],
    },
  },
  {
    files: ["analysis/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["@/*", "../src/*", "node:*", "fs", "path", "os"] }],
    },
  },
]);
