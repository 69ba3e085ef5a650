DROP INDEX "needs_terms_vector_idx";--> statement-breakpoint
DROP INDEX "offerings_terms_vector_idx";--> statement-breakpoint
ALTER TABLE "needs" DROP COLUMN "terms_vector";--> statement-breakpoint
ALTER TABLE "offerings" DROP COLUMN "terms_vector";