CREATE TABLE "signup_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"request" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "response_location" text;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "locked_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "signin_links" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "signup_requests_email_idx" ON "signup_requests" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "signup_requests_expires_at_idx" ON "signup_requests" USING btree ("expires_at");--> statement-breakpoint
-- People who have used a link sent to their address have shown they own it; anyone else signed up
-- through the API with an address nobody checked, and their tokens stop working until they sign in by link.
UPDATE "users" SET "verified_at" = "l"."first_use" FROM (
	SELECT "user_id", min("used_at") AS "first_use" FROM "signin_links" WHERE "used_at" IS NOT NULL GROUP BY "user_id"
) AS "l" WHERE "l"."user_id" = "users"."id";--> statement-breakpoint
UPDATE "api_tokens" SET "revoked_at" = now() WHERE "revoked_at" IS NULL AND "user_id" IN (SELECT "id" FROM "users" WHERE "verified_at" IS NULL);--> statement-breakpoint
-- Stored signup answers held tokens and were shared by every caller: none is replayed any more.
DELETE FROM "idempotency_keys" WHERE "scope" = 'signup';
