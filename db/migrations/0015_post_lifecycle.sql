ALTER TABLE "needs" ADD COLUMN "expiry_reminded_for" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "offerings" ADD COLUMN "expiry_reminded_for" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "needs_open_expires_at_idx" ON "needs" USING btree ("expires_at") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "offerings_open_expires_at_idx" ON "offerings" USING btree ("expires_at") WHERE status = 'open';--> statement-breakpoint
-- Posts saved before expiry existed (null: never) expire a full default lifetime (core/policy.ts
-- POST_LIFETIME_MONTHS) after created_at or after today, whichever is later: none disappears unannounced.
UPDATE "needs" SET "expires_at" = greatest("created_at", now()) + interval '12 months' WHERE "expires_at" IS NULL;--> statement-breakpoint
UPDATE "offerings" SET "expires_at" = greatest("created_at", now()) + interval '12 months' WHERE "expires_at" IS NULL;
