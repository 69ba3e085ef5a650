-- Matches stored before scoring versions were recorded were scored by version 1. No default after that:
-- a write that does not say which version scored it fails rather than passing for an old one.
ALTER TABLE "matches" ADD COLUMN "scoring_version" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "matches" ALTER COLUMN "scoring_version" DROP DEFAULT;