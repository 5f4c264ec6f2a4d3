// Next.js calls register() once when the server process starts: migrate, bootstrap, start loops.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { boot } = await import("./src/server/boot");
  try {
    const identity = await boot({ background: true });
    for (const line of identity.printed) console.log(`[verdict] ${line}`);
  } catch (e) {
    console.error(`[verdict] startup failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
