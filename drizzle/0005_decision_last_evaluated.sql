ALTER TABLE "decisions" ADD COLUMN "last_evaluated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "evaluations" integer DEFAULT 1 NOT NULL;