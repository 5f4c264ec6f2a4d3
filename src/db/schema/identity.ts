import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const ROLES = ["viewer", "release_manager", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  username: text("username").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ROLES }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  // a disabled user cannot sign in, and their sessions stop authenticating at once
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
});

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["client", "server"] }).notNull(),
    // null for client keys: they carry no management role at all
    role: text("role", { enum: ROLES }),
    // first characters of the token, shown in the UI so a key can be recognised without revealing it
    prefix: text("prefix").notNull(),
    // sha256 of the token: keys are 190-bit random, so a slow password hash buys nothing
    tokenHash: text("token_hash").notNull().unique(),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    // opt-in ingestion limit for this key, events/s (null: none; overload is shed by load instead)
    rateLimit: integer("rate_limit"),
  },
  (t) => [index("api_keys_kind_idx").on(t.kind)],
);

export const sessions = pgTable("sessions", {
  id: uuid("id").primaryKey().defaultRandom(),
  tokenHash: text("token_hash").notNull().unique(),
  csrfToken: text("csrf_token").notNull(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

// Failed sign-ins per account and per client address, shared by every instance on this store so a
// guesser cannot multiply its budget by spreading attempts across instances (src/server/auth/throttle.ts).
export const signInThrottle = pgTable("sign_in_throttle", {
  // "account:<username>" or "address:<ip or IPv6 /64>"
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
});
