CREATE TABLE "need_terms" (
	"need_id" uuid NOT NULL,
	"term" text NOT NULL,
	"impact" real NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offering_terms" (
	"offering_id" uuid NOT NULL,
	"term" text NOT NULL,
	"impact" real NOT NULL
);
--> statement-breakpoint
ALTER TABLE "need_terms" ADD CONSTRAINT "need_terms_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offering_terms" ADD CONSTRAINT "offering_terms_offering_id_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."offerings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "need_terms_need_term_key" ON "need_terms" USING btree ("need_id","term");--> statement-breakpoint
CREATE INDEX "need_terms_term_impact_idx" ON "need_terms" USING btree ("term","impact" DESC NULLS LAST,"need_id");--> statement-breakpoint
CREATE UNIQUE INDEX "offering_terms_offering_term_key" ON "offering_terms" USING btree ("offering_id","term");--> statement-breakpoint
CREATE INDEX "offering_terms_term_impact_idx" ON "offering_terms" USING btree ("term","impact" DESC NULLS LAST,"offering_id");