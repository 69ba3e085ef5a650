CREATE TYPE "public"."consortium_status" AS ENUM('forming', 'active', 'closed');--> statement-breakpoint
CREATE TYPE "public"."consortium_invitation_status" AS ENUM('pending', 'accepted', 'declined');--> statement-breakpoint
ALTER TYPE "public"."org_kind" ADD VALUE 'hub';--> statement-breakpoint
ALTER TYPE "public"."org_kind" ADD VALUE 'regulator';--> statement-breakpoint
ALTER TYPE "public"."org_kind" ADD VALUE 'agency';--> statement-breakpoint
CREATE TABLE "common_need_group_members" (
	"group_id" uuid NOT NULL,
	"need_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "common_need_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"capabilities" text[] DEFAULT '{}' NOT NULL,
	"areas" text[] DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "common_needs" (
	"need_a" uuid NOT NULL,
	"need_b" uuid NOT NULL,
	"similarity" real NOT NULL,
	"explanation" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "common_needs_pkey" PRIMARY KEY("need_a","need_b"),
	CONSTRAINT "common_needs_order_check" CHECK ("common_needs"."need_a" < "common_needs"."need_b")
);
--> statement-breakpoint
CREATE TABLE "consortia" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"scope" text NOT NULL,
	"capabilities" text[] DEFAULT '{}' NOT NULL,
	"areas" text[] DEFAULT '{}' NOT NULL,
	"status" "consortium_status" DEFAULT 'forming' NOT NULL,
	"convener_organisation_id" uuid NOT NULL,
	"created_by" uuid,
	"activated_at" timestamp with time zone,
	"activation_notified_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consortium_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"consortium_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"need_id" uuid,
	"offering_id" uuid,
	"invited_by" uuid,
	"status" "consortium_invitation_status" DEFAULT 'pending' NOT NULL,
	"notified_at" timestamp with time zone,
	"responded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consortium_log" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "consortium_log_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"consortium_id" uuid NOT NULL,
	"action" text NOT NULL,
	"organisation_id" uuid,
	"user_id" uuid,
	"detail" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consortium_members" (
	"consortium_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"joined_by" uuid,
	"charter_version" text NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"left_at" timestamp with time zone,
	CONSTRAINT "consortium_members_pkey" PRIMARY KEY("consortium_id","organisation_id")
);
--> statement-breakpoint
CREATE TABLE "consortium_needs" (
	"consortium_id" uuid NOT NULL,
	"need_id" uuid NOT NULL,
	CONSTRAINT "consortium_needs_pkey" PRIMARY KEY("consortium_id","need_id")
);
--> statement-breakpoint
CREATE TABLE "digest_notices" (
	"digest_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"subject_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sensitive_flags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"user_id" uuid,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"field" text NOT NULL,
	"phrase" text NOT NULL,
	"category" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sent_emails" (
	"key" text NOT NULL,
	"user_id" uuid NOT NULL,
	"message_id" text NOT NULL,
	"error" text,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sent_emails_pkey" PRIMARY KEY("key","user_id")
);
--> statement-breakpoint
ALTER TABLE "needs" ADD COLUMN "matched_corpus" integer;--> statement-breakpoint
ALTER TABLE "offerings" ADD COLUMN "matched_corpus" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "followed_capabilities" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "followed_areas" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "common_need_group_members" ADD CONSTRAINT "common_need_group_members_group_id_common_need_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."common_need_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "common_need_group_members" ADD CONSTRAINT "common_need_group_members_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "common_needs" ADD CONSTRAINT "common_needs_need_a_needs_id_fk" FOREIGN KEY ("need_a") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "common_needs" ADD CONSTRAINT "common_needs_need_b_needs_id_fk" FOREIGN KEY ("need_b") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortia" ADD CONSTRAINT "consortia_convener_organisation_id_organisations_id_fk" FOREIGN KEY ("convener_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortia" ADD CONSTRAINT "consortia_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_invitations" ADD CONSTRAINT "consortium_invitations_consortium_id_consortia_id_fk" FOREIGN KEY ("consortium_id") REFERENCES "public"."consortia"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_invitations" ADD CONSTRAINT "consortium_invitations_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_invitations" ADD CONSTRAINT "consortium_invitations_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_invitations" ADD CONSTRAINT "consortium_invitations_offering_id_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."offerings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_invitations" ADD CONSTRAINT "consortium_invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_log" ADD CONSTRAINT "consortium_log_consortium_id_consortia_id_fk" FOREIGN KEY ("consortium_id") REFERENCES "public"."consortia"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_log" ADD CONSTRAINT "consortium_log_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_log" ADD CONSTRAINT "consortium_log_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_members" ADD CONSTRAINT "consortium_members_consortium_id_consortia_id_fk" FOREIGN KEY ("consortium_id") REFERENCES "public"."consortia"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_members" ADD CONSTRAINT "consortium_members_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_members" ADD CONSTRAINT "consortium_members_joined_by_users_id_fk" FOREIGN KEY ("joined_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_needs" ADD CONSTRAINT "consortium_needs_consortium_id_consortia_id_fk" FOREIGN KEY ("consortium_id") REFERENCES "public"."consortia"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consortium_needs" ADD CONSTRAINT "consortium_needs_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_notices" ADD CONSTRAINT "digest_notices_digest_id_digests_id_fk" FOREIGN KEY ("digest_id") REFERENCES "public"."digests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_notices" ADD CONSTRAINT "digest_notices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sensitive_flags" ADD CONSTRAINT "sensitive_flags_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sensitive_flags" ADD CONSTRAINT "sensitive_flags_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sent_emails" ADD CONSTRAINT "sent_emails_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "common_need_group_members_need_key" ON "common_need_group_members" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "common_need_group_members_group_id_idx" ON "common_need_group_members" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "common_need_groups_capabilities_idx" ON "common_need_groups" USING gin ("capabilities");--> statement-breakpoint
CREATE INDEX "common_need_groups_areas_idx" ON "common_need_groups" USING gin ("areas");--> statement-breakpoint
CREATE INDEX "common_needs_need_b_idx" ON "common_needs" USING btree ("need_b");--> statement-breakpoint
CREATE INDEX "consortia_convener_organisation_id_idx" ON "consortia" USING btree ("convener_organisation_id");--> statement-breakpoint
CREATE INDEX "consortia_created_by_idx" ON "consortia" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "consortia_capabilities_idx" ON "consortia" USING gin ("capabilities");--> statement-breakpoint
CREATE INDEX "consortia_areas_idx" ON "consortia" USING gin ("areas");--> statement-breakpoint
CREATE INDEX "consortia_created_at_id_idx" ON "consortia" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "consortium_invitations_consortium_id_idx" ON "consortium_invitations" USING btree ("consortium_id");--> statement-breakpoint
CREATE INDEX "consortium_invitations_organisation_id_idx" ON "consortium_invitations" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "consortium_invitations_need_id_idx" ON "consortium_invitations" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "consortium_invitations_offering_id_idx" ON "consortium_invitations" USING btree ("offering_id");--> statement-breakpoint
CREATE INDEX "consortium_invitations_invited_by_idx" ON "consortium_invitations" USING btree ("invited_by");--> statement-breakpoint
CREATE UNIQUE INDEX "consortium_invitations_pending_need_key" ON "consortium_invitations" USING btree ("consortium_id","need_id") WHERE status = 'pending' and need_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "consortium_invitations_pending_offering_key" ON "consortium_invitations" USING btree ("consortium_id","offering_id") WHERE status = 'pending' and offering_id is not null;--> statement-breakpoint
CREATE INDEX "consortium_log_consortium_id_seq_idx" ON "consortium_log" USING btree ("consortium_id","seq");--> statement-breakpoint
CREATE INDEX "consortium_log_organisation_id_idx" ON "consortium_log" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "consortium_log_user_id_idx" ON "consortium_log" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "consortium_members_organisation_id_idx" ON "consortium_members" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "consortium_members_joined_by_idx" ON "consortium_members" USING btree ("joined_by");--> statement-breakpoint
CREATE INDEX "consortium_needs_need_id_idx" ON "consortium_needs" USING btree ("need_id");--> statement-breakpoint
CREATE UNIQUE INDEX "digest_notices_user_subject_key" ON "digest_notices" USING btree ("user_id","kind","subject_id");--> statement-breakpoint
CREATE INDEX "digest_notices_digest_id_idx" ON "digest_notices" USING btree ("digest_id");--> statement-breakpoint
CREATE INDEX "sensitive_flags_organisation_id_idx" ON "sensitive_flags" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "sensitive_flags_user_id_idx" ON "sensitive_flags" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "sensitive_flags_created_at_id_idx" ON "sensitive_flags" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "sent_emails_user_id_idx" ON "sent_emails" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "users_followed_capabilities_idx" ON "users" USING gin ("followed_capabilities");--> statement-breakpoint
CREATE INDEX "users_followed_areas_idx" ON "users" USING gin ("followed_areas");--> statement-breakpoint
-- The consortium log is append-only: rows change or go only through the foreign keys' own actions (a
-- consortium or organisation deleted), never by a statement of the application.
CREATE FUNCTION roadmatch_consortium_log_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'consortium_log is append-only' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;--> statement-breakpoint
CREATE TRIGGER consortium_log_append_only BEFORE UPDATE OR DELETE ON "consortium_log"
  FOR EACH ROW EXECUTE FUNCTION roadmatch_consortium_log_append_only();
