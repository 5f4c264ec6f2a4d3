import { defineConfig } from "drizzle-kit";

// Migrations are generated (`npm run db:generate`) and committed; they are never pushed.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
});
