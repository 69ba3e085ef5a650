CREATE TYPE "public"."digest_frequency" AS ENUM('weekly', 'daily', 'off');--> statement-breakpoint
CREATE TYPE "public"."digest_status" AS ENUM('pending', 'sent', 'failed', 'empty');--> statement-breakpoint
CREATE TYPE "public"."feedback_verdict" AS ENUM('relevant', 'not_relevant');--> statement-breakpoint
CREATE TYPE "public"."introduction_status" AS ENUM('pending', 'accepted', 'declined', 'expired');--> statement-breakpoint
CREATE TYPE "public"."org_kind" AS ENUM('biomanufacturer', 'supplier', 'academic');--> statement-breakpoint
CREATE TYPE "public"."post_status" AS ENUM('open', 'closed');--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "capabilities" (
	"slug" text PRIMARY KEY NOT NULL,
	"area_slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"position" smallint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "capability_areas" (
	"slug" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"position" smallint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "digests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"period" text NOT NULL,
	"status" "digest_status" DEFAULT 'pending' NOT NULL,
	"items" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"message_id" text,
	"error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" smallint,
	"response_body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "introductions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"need_id" uuid NOT NULL,
	"offering_id" uuid NOT NULL,
	"requester_id" uuid NOT NULL,
	"requester_organisation_id" uuid NOT NULL,
	"recipient_organisation_id" uuid NOT NULL,
	"responder_id" uuid,
	"message" text NOT NULL,
	"status" "introduction_status" DEFAULT 'pending' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"reminded_at" timestamp with time zone,
	"responded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "match_feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"need_id" uuid NOT NULL,
	"offering_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"user_id" uuid,
	"verdict" "feedback_verdict" NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "matches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"need_id" uuid NOT NULL,
	"offering_id" uuid NOT NULL,
	"score" real NOT NULL,
	"need_score" real NOT NULL,
	"offering_score" real NOT NULL,
	"explanation" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "needs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"created_by" uuid,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"capabilities" text[] DEFAULT '{}' NOT NULL,
	"areas" text[] DEFAULT '{}' NOT NULL,
	"keywords" text[] DEFAULT '{}' NOT NULL,
	"partnership_types" text[] DEFAULT '{}' NOT NULL,
	"regions" text[] DEFAULT '{}' NOT NULL,
	"status" "post_status" DEFAULT 'open' NOT NULL,
	"expires_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"matched_version" integer,
	"matched_at" timestamp with time zone,
	"terms" text DEFAULT '' NOT NULL,
	"analysis" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', roadmatch_join_text(keywords)), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')) STORED NOT NULL,
	"terms_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"trl_min" smallint NOT NULL,
	"trl_max" smallint NOT NULL,
	"open_to" "org_kind"[] NOT NULL,
	"anonymous" boolean DEFAULT false NOT NULL,
	CONSTRAINT "needs_trl_check" CHECK ("needs"."trl_min" between 1 and 9 and "needs"."trl_max" between 1 and 9 and "needs"."trl_min" <= "needs"."trl_max")
);
--> statement-breakpoint
CREATE TABLE "offerings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"created_by" uuid,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"capabilities" text[] DEFAULT '{}' NOT NULL,
	"areas" text[] DEFAULT '{}' NOT NULL,
	"keywords" text[] DEFAULT '{}' NOT NULL,
	"partnership_types" text[] DEFAULT '{}' NOT NULL,
	"regions" text[] DEFAULT '{}' NOT NULL,
	"status" "post_status" DEFAULT 'open' NOT NULL,
	"expires_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"matched_version" integer,
	"matched_at" timestamp with time zone,
	"terms" text DEFAULT '' NOT NULL,
	"analysis" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', roadmatch_join_text(keywords)), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')) STORED NOT NULL,
	"terms_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"trl" smallint NOT NULL,
	CONSTRAINT "offerings_trl_check" CHECK ("offerings"."trl" between 1 and 9)
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" "org_kind" NOT NULL,
	"country" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "term_stats" (
	"side" text NOT NULL,
	"term" text NOT NULL,
	"doc_freq" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"digest_frequency" "digest_frequency" DEFAULT 'weekly' NOT NULL,
	"digest_weekday" smallint DEFAULT 1 NOT NULL,
	"digest_hour" smallint DEFAULT 8 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_digest_weekday_check" CHECK ("users"."digest_weekday" between 1 and 7),
	CONSTRAINT "users_digest_hour_check" CHECK ("users"."digest_hour" between 0 and 23)
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "capabilities" ADD CONSTRAINT "capabilities_area_slug_capability_areas_slug_fk" FOREIGN KEY ("area_slug") REFERENCES "public"."capability_areas"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digests" ADD CONSTRAINT "digests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_offering_id_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."offerings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_requester_id_users_id_fk" FOREIGN KEY ("requester_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_requester_organisation_id_organisations_id_fk" FOREIGN KEY ("requester_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_recipient_organisation_id_organisations_id_fk" FOREIGN KEY ("recipient_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "introductions" ADD CONSTRAINT "introductions_responder_id_users_id_fk" FOREIGN KEY ("responder_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_feedback" ADD CONSTRAINT "match_feedback_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_feedback" ADD CONSTRAINT "match_feedback_offering_id_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."offerings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_feedback" ADD CONSTRAINT "match_feedback_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_feedback" ADD CONSTRAINT "match_feedback_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "matches" ADD CONSTRAINT "matches_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "matches" ADD CONSTRAINT "matches_offering_id_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."offerings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "needs" ADD CONSTRAINT "needs_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "needs" ADD CONSTRAINT "needs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offerings" ADD CONSTRAINT "offerings_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offerings" ADD CONSTRAINT "offerings_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "capabilities_area_slug_idx" ON "capabilities" USING btree ("area_slug");--> statement-breakpoint
CREATE UNIQUE INDEX "digests_user_period_key" ON "digests" USING btree ("user_id","period");--> statement-breakpoint
CREATE UNIQUE INDEX "idempotency_keys_scope_key_key" ON "idempotency_keys" USING btree ("scope","key");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "introductions_need_id_idx" ON "introductions" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "introductions_offering_id_idx" ON "introductions" USING btree ("offering_id");--> statement-breakpoint
CREATE INDEX "introductions_requester_id_idx" ON "introductions" USING btree ("requester_id");--> statement-breakpoint
CREATE INDEX "introductions_requester_organisation_id_idx" ON "introductions" USING btree ("requester_organisation_id");--> statement-breakpoint
CREATE INDEX "introductions_recipient_organisation_id_idx" ON "introductions" USING btree ("recipient_organisation_id");--> statement-breakpoint
CREATE INDEX "introductions_responder_id_idx" ON "introductions" USING btree ("responder_id");--> statement-breakpoint
CREATE UNIQUE INDEX "introductions_open_pair_key" ON "introductions" USING btree ("need_id","offering_id") WHERE status in ('pending', 'accepted');--> statement-breakpoint
CREATE UNIQUE INDEX "match_feedback_pair_org_key" ON "match_feedback" USING btree ("need_id","offering_id","organisation_id");--> statement-breakpoint
CREATE INDEX "match_feedback_offering_id_idx" ON "match_feedback" USING btree ("offering_id");--> statement-breakpoint
CREATE INDEX "match_feedback_organisation_id_idx" ON "match_feedback" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "match_feedback_user_id_idx" ON "match_feedback" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "matches_need_offering_key" ON "matches" USING btree ("need_id","offering_id");--> statement-breakpoint
CREATE INDEX "matches_offering_id_idx" ON "matches" USING btree ("offering_id");--> statement-breakpoint
CREATE INDEX "matches_need_score_idx" ON "matches" USING btree ("need_id","score" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "matches_offering_score_idx" ON "matches" USING btree ("offering_id","score" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "matches_created_at_idx" ON "matches" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "needs_organisation_id_idx" ON "needs" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "needs_created_by_idx" ON "needs" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "needs_created_at_id_idx" ON "needs" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "needs_capabilities_idx" ON "needs" USING gin ("capabilities");--> statement-breakpoint
CREATE INDEX "needs_areas_idx" ON "needs" USING gin ("areas");--> statement-breakpoint
CREATE INDEX "needs_search_idx" ON "needs" USING gin ("search");--> statement-breakpoint
CREATE INDEX "needs_terms_vector_idx" ON "needs" USING gin ("terms_vector");--> statement-breakpoint
CREATE INDEX "offerings_organisation_id_idx" ON "offerings" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "offerings_created_by_idx" ON "offerings" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "offerings_created_at_id_idx" ON "offerings" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "offerings_capabilities_idx" ON "offerings" USING gin ("capabilities");--> statement-breakpoint
CREATE INDEX "offerings_areas_idx" ON "offerings" USING gin ("areas");--> statement-breakpoint
CREATE INDEX "offerings_search_idx" ON "offerings" USING gin ("search");--> statement-breakpoint
CREATE INDEX "offerings_terms_vector_idx" ON "offerings" USING gin ("terms_vector");--> statement-breakpoint
CREATE UNIQUE INDEX "term_stats_side_term_key" ON "term_stats" USING btree ("side","term");--> statement-breakpoint
CREATE INDEX "users_organisation_id_idx" ON "users" USING btree ("organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));