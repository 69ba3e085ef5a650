-- Every post expires (core/policy.ts `isLive`): the column holds no null from here on. 0015 backfilled the
-- posts from before expiry existed, and every save since sets an expiry, so none is expected; any left (a
-- post written by other means in between) is given an expiry as 0015 gave them.
UPDATE "needs" SET "expires_at" = greatest("created_at" + interval '12 months', now() + interval '30 days') WHERE "expires_at" IS NULL;--> statement-breakpoint
UPDATE "offerings" SET "expires_at" = greatest("created_at" + interval '12 months', now() + interval '30 days') WHERE "expires_at" IS NULL;--> statement-breakpoint
ALTER TABLE "needs" ALTER COLUMN "expires_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "offerings" ALTER COLUMN "expires_at" SET NOT NULL;
