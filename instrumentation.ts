// Next.js calls register() once when the server process starts; the Node-only work lives in
// instrumentation-node.ts so the edge bundle never sees it.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    await import("./instrumentation-node");
  }
}
