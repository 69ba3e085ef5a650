ALTER TABLE "introductions" DROP CONSTRAINT "introductions_requester_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "introductions" ALTER COLUMN "requester_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_requester_id_users_id_fk" FOREIGN KEY ("requester_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;