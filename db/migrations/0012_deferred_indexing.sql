ALTER TABLE "needs" ADD COLUMN "indexed_version" integer;--> statement-breakpoint
ALTER TABLE "needs" ADD COLUMN "indexed_terms" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "offerings" ADD COLUMN "indexed_version" integer;--> statement-breakpoint
ALTER TABLE "offerings" ADD COLUMN "indexed_terms" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX "needs_unindexed_idx" ON "needs" USING btree ("id") WHERE "needs"."indexed_version" is distinct from "needs"."version";--> statement-breakpoint
CREATE INDEX "offerings_unindexed_idx" ON "offerings" USING btree ("id") WHERE "offerings"."indexed_version" is distinct from "offerings"."version";--> statement-breakpoint
-- Posts saved before this migration were indexed as they were saved.
UPDATE "needs" SET "indexed_version" = "version", "indexed_terms" = string_to_array("terms", ' ');--> statement-breakpoint
UPDATE "offerings" SET "indexed_version" = "version", "indexed_terms" = string_to_array("terms", ' ');
