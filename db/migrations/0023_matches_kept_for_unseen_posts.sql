ALTER TABLE "needs" ADD COLUMN "indexed_xact" "xid8";--> statement-breakpoint
ALTER TABLE "offerings" ADD COLUMN "indexed_xact" "xid8";