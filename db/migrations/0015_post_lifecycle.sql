ALTER TABLE "needs" ADD COLUMN "expiry_reminded_for" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "offerings" ADD COLUMN "expiry_reminded_for" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "needs_open_expires_at_idx" ON "needs" USING btree ("expires_at") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "offerings_open_expires_at_idx" ON "offerings" USING btree ("expires_at") WHERE status = 'open';--> statement-breakpoint
-- Posts saved before expiry existed (null: never) expire the default lifetime (core/policy.ts
-- POST_LIFETIME_MONTHS) after they were created, as new ones do, but never within 30 days of this upgrade, so
-- that each is reminded (14 days ahead) before it goes; spread by age, they do not all come due at once.
UPDATE "needs" SET "expires_at" = greatest("created_at" + interval '12 months', now() + interval '30 days') WHERE "expires_at" IS NULL;--> statement-breakpoint
UPDATE "offerings" SET "expires_at" = greatest("created_at" + interval '12 months', now() + interval '30 days') WHERE "expires_at" IS NULL;
