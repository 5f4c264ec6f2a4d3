ALTER TABLE "decisions" ADD COLUMN "outputs" jsonb;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "experiment_version" integer;