DROP INDEX "matches_offering_id_idx";--> statement-breakpoint
DROP INDEX "matches_created_at_idx";