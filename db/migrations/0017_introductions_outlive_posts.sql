-- Introductions outlive their posts and organisations: a deleted post or an organisation gone with its last
-- member sets its side null (the other side keeps its record, "a former member", the post withdrawn). The
-- unique partial index introductions_open_pair_key stays: nulls are distinct, and a pending introduction
-- losing a side is closed as expired by the deletion itself.
ALTER TABLE "introductions" DROP CONSTRAINT "introductions_need_id_needs_id_fk";
--> statement-breakpoint
ALTER TABLE "introductions" DROP CONSTRAINT "introductions_offering_id_offerings_id_fk";
--> statement-breakpoint
ALTER TABLE "introductions" DROP CONSTRAINT "introductions_requester_organisation_id_organisations_id_fk";
--> statement-breakpoint
ALTER TABLE "introductions" DROP CONSTRAINT "introductions_recipient_organisation_id_organisations_id_fk";
--> statement-breakpoint
ALTER TABLE "introductions" ALTER COLUMN "need_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "introductions" ALTER COLUMN "offering_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "introductions" ALTER COLUMN "requester_organisation_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "introductions" ALTER COLUMN "recipient_organisation_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_offering_id_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."offerings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_requester_organisation_id_organisations_id_fk" FOREIGN KEY ("requester_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_recipient_organisation_id_organisations_id_fk" FOREIGN KEY ("recipient_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE set null ON UPDATE no action;