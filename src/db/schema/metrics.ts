// Metric definitions stored through /api/v1/metrics (src/server/metrics/). The current definition
// lives in metric_definitions; every version ever saved (1, 2, …) stays in metric_definition_versions,
// so a decision that recorded the version it used can be replayed with that exact definition.
import { integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const metricDefinitions = pgTable("metric_definitions", {
  key: text("key").primaryKey(),
  version: integer("version").notNull(),
  // the API shape (src/server/metrics/schemas.ts), validated on every write
  definition: jsonb("definition").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const metricDefinitionVersions = pgTable(
  "metric_definition_versions",
  {
    key: text("key").notNull(),
    version: integer("version").notNull(),
    definition: jsonb("definition").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);
