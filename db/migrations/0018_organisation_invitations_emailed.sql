-- Which send of an invitation the worker finished (emailed, or found owed nothing): below send_count the
-- email is owed, and the introductions tick queues it again (a job lost with Redis). Invitations made
-- before this column were queued as they were made: they count as sent.
ALTER TABLE "organisation_invitations" ADD COLUMN "emailed_send_count" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE "organisation_invitations" SET "emailed_send_count" = "send_count";
