ALTER TYPE "public"."digest_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE TABLE "digest_items" (
	"digest_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"need_id" uuid NOT NULL,
	"offering_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"score" real NOT NULL
);
--> statement-breakpoint
CREATE TABLE "introduction_emails" (
	"introduction_id" uuid NOT NULL,
	"event" text NOT NULL,
	"user_id" uuid NOT NULL,
	"message_id" text NOT NULL,
	"error" text,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "introductions" ADD COLUMN "notified_status" "introduction_status";--> statement-breakpoint
ALTER TABLE "introductions" ADD COLUMN "remind_notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "digest_items" ADD CONSTRAINT "digest_items_digest_id_digests_id_fk" FOREIGN KEY ("digest_id") REFERENCES "public"."digests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_items" ADD CONSTRAINT "digest_items_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_items" ADD CONSTRAINT "digest_items_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_items" ADD CONSTRAINT "digest_items_offering_id_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."offerings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introduction_emails" ADD CONSTRAINT "introduction_emails_introduction_id_introductions_id_fk" FOREIGN KEY ("introduction_id") REFERENCES "public"."introductions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introduction_emails" ADD CONSTRAINT "introduction_emails_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "digest_items_user_pair_key" ON "digest_items" USING btree ("user_id","need_id","offering_id");--> statement-breakpoint
CREATE INDEX "digest_items_digest_id_idx" ON "digest_items" USING btree ("digest_id");--> statement-breakpoint
CREATE INDEX "digest_items_need_id_idx" ON "digest_items" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "digest_items_offering_id_idx" ON "digest_items" USING btree ("offering_id");--> statement-breakpoint
CREATE UNIQUE INDEX "introduction_emails_key" ON "introduction_emails" USING btree ("introduction_id","event","user_id");--> statement-breakpoint
CREATE INDEX "introduction_emails_user_id_idx" ON "introduction_emails" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "introductions_pending_expires_idx" ON "introductions" USING btree ("expires_at") WHERE status = 'pending';--> statement-breakpoint
ALTER TABLE "digests" DROP COLUMN "items";